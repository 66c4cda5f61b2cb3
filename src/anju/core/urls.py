from django.urls import path

from . import files, portal, profile, views

urlpatterns = [
    path("", views.root, name="root"),
    path("files/<int:pk>/", files.serve, name="attachment"),
    path("files/<int:pk>/thumbnail/", files.thumbnail, name="attachment-thumbnail"),
]

console_urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("login/", profile.ConsoleLoginView.as_view(), name="login"),
    path("me/", profile.ConsoleProfileView.as_view(), name="profile"),
    path("me/password/", profile.ConsoleProfileView.as_view(), name="password"),
    path("me/logins/<int:pk>/revoke/", profile.console_revoke_login, name="revoke-login"),
    path("me/logins/others/revoke/", profile.console_revoke_other_logins, name="revoke-others"),
    path("logout/", profile.LogoutView.as_view(next_page="/console/login/"), name="logout"),
    path("switch/", views.switch_community, name="switch-community"),
    path("compare/", views.ComparisonView.as_view(), name="compare"),
    path("communities/", views.CommunityList.as_view(), name="community-list"),
    path("communities/new/", views.CommunityCreate.as_view(), name="community-create"),
    path("communities/<int:pk>/", views.CommunityDetail.as_view(), name="community-detail"),
    path("communities/<int:pk>/edit/", views.CommunityEdit.as_view(), name="community-edit"),
    path("buildings/", views.BuildingList.as_view(), name="building-list"),
    path("buildings/new/", views.BuildingCreate.as_view(), name="building-create"),
    path("buildings/<int:pk>/", views.BuildingDetail.as_view(), name="building-detail"),
    path("houses/", views.HouseList.as_view(), name="house-list"),
    path("houses/new/", views.HouseCreate.as_view(), name="house-create"),
    path("houses/<int:pk>/", views.HouseDetail.as_view(), name="house-detail"),
    path("houses/<int:pk>/edit/", views.HouseEdit.as_view(), name="house-edit"),
    path("people/", views.PersonList.as_view(), name="person-list"),
    path("people/new/", views.PersonCreate.as_view(), name="person-create"),
    path("people/<int:pk>/", views.PersonDetail.as_view(), name="person-detail"),
    path("people/<int:pk>/edit/", views.PersonEdit.as_view(), name="person-edit"),
    path("occupancies/new/", views.OccupancyCreate.as_view(), name="occupancy-create"),
    path("occupancies/<int:pk>/end/", views.occupancy_end, name="occupancy-end"),
    path("audit/", views.AuditList.as_view(), name="audit-list"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("jobs/", views.JobList.as_view(), name="job-list"),
    path("jobs/<int:pk>/", views.job_status, name="job-status"),
    path("jobs/<int:pk>/page/", views.job_page, name="job-page"),
    path("import/template.xlsx", views.import_template, name="import-template"),
]

portal_urlpatterns = [
    path("", portal.HomeView.as_view(), name="home"),
    path("login/", profile.PortalLoginView.as_view(), name="login"),
    path("logout/", profile.LogoutView.as_view(next_page="/app/login/"), name="logout"),
    path("me/", profile.PortalProfileView.as_view(), name="profile"),
    path("me/password/", profile.PortalProfileView.as_view(), name="password"),
    path("me/logins/<int:pk>/revoke/", profile.portal_revoke_login, name="revoke-login"),
    path("me/logins/others/revoke/", profile.portal_revoke_other_logins, name="revoke-others"),
    path("me/large-text/", portal.toggle_large_text, name="large-text"),
    path("me/data/", portal.my_data, name="my-data"),
    path("manifest.webmanifest", portal.manifest, name="manifest"),
]
