"""The messages a person receives and the channels that reach them (inbox rows, delivery
preferences, WeChat bindings); re-exported by ``core.models``."""

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    """In-app inbox message for one user (站内信); SMS/email go through adapters beside it."""

    user = models.ForeignKey(
        "core.User", on_delete=models.CASCADE, related_name="notifications", db_index=False
    )  # led by notif_user_read
    organization = models.ForeignKey(
        "core.Organization", on_delete=models.CASCADE, null=True, related_name="+"
    )
    community = models.ForeignKey(
        "core.Community", on_delete=models.CASCADE, null=True, related_name="+"
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    event = models.CharField(_("event"), max_length=64, blank=True)
    urgent = models.BooleanField(_("urgent"), default=False)
    # SMS/WeChat held back by the recipient's quiet hours: sent by a sweep at deliver_after.
    pending_channels = models.CharField(max_length=40, blank=True)
    deliver_after = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["user", "read_at"], name="notif_user_read"),
            models.Index(
                fields=["deliver_after"],
                name="notif_pending",
                condition=~Q(pending_channels=""),
            ),
        ]

    def __str__(self):
        return self.title


class NotificationPreference(models.Model):
    """消息设置: which channels besides the inbox reach a person, and their quiet hours (免打扰)."""

    user = models.OneToOneField(
        "core.User",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="notification_preference",
    )
    sms = models.BooleanField(_("SMS"), default=True)
    wechat = models.BooleanField(_("WeChat"), default=True)
    email = models.BooleanField(_("email"), default=False)
    quiet_start = models.TimeField(_("quiet hours from"), null=True, blank=True)
    quiet_end = models.TimeField(_("quiet hours until"), null=True, blank=True)
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    class Meta:
        verbose_name = _("notification settings")
        verbose_name_plural = _("notification settings")

    def __str__(self):
        return str(self.user)


class WechatIdentity(models.Model):
    """微信绑定: a user's openid in one WeChat app (the official account 公众号 or the mini
    program 小程序), so that opening Anju in WeChat signs them in (core.wechat). The owner
    unbinds it on their profile page; one openid belongs to one user."""

    class Kind(models.TextChoices):
        MP = "mp", _("WeChat official account")
        MINIAPP = "miniapp", _("WeChat mini program")

    user = models.ForeignKey(
        "core.User",
        on_delete=models.CASCADE,
        related_name="wechat_identities",
        verbose_name=_("user"),
    )
    app_id = models.CharField(_("app id"), max_length=32)
    openid = models.CharField("openid", max_length=64)
    unionid = models.CharField("unionid", max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("WeChat binding")
        verbose_name_plural = _("WeChat bindings")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["app_id", "openid"], name="wechat_identity_unique")
        ]

    def __str__(self):
        return f"{self.user} · {self.get_kind_display()}"
