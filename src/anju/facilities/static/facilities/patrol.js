// Guard's patrol page: scans go to a queue in localStorage with the time they were made, and are
// sent to POST /api/v1/checkins/ whenever the network allows; the server files late scans into
// the shift that covered their time. Nothing typed is lost when the phone is off-line.
(function () {
  var root = document.getElementById("patrol");
  if (!root) return;
  var KEY = "anju-patrol-queue";
  var labels = JSON.parse((document.getElementById("state-labels") || {}).textContent || "{}");
  var form = document.getElementById("scan-form");
  var input = document.getElementById("scan-code");
  var result = document.getElementById("scan-result");
  var count = document.getElementById("queue-count");
  var list = document.getElementById("checkpoints");
  var next = document.getElementById("next");
  var sending = false;

  function csrf() { var m = document.querySelector("meta[name=csrf-token]"); return m ? m.content : ""; }
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(q) { localStorage.setItem(KEY, JSON.stringify(q)); count.textContent = q.length; }
  function uid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 10);
  }
  function hhmm(iso) { return iso ? iso.slice(11, 16) : ""; }

  function render(progress) {
    list.innerHTML = "";
    var nextName = null;
    progress.checkpoints.forEach(function (p) {
      var li = document.createElement("li");
      li.dataset.state = p.state;
      li.dataset.checkpoint = p.checkpoint;
      var name = document.createElement("span");
      name.setAttribute("translate", "no");
      name.textContent = p.order + ". " + p.name;
      var win = document.createElement("span");
      win.className = "muted";
      win.textContent = hhmm(p.opens_at) + "–" + hhmm(p.closes_at) + (p.scanned_at ? " ✓" + hhmm(p.scanned_at) : "");
      var state = document.createElement("span");
      state.className = "state";
      state.textContent = labels[p.state] || p.state;
      li.appendChild(name); li.appendChild(win); li.appendChild(state);
      list.appendChild(li);
      if (p.checkpoint === progress.next) nextName = p.name + " " + hhmm(p.opens_at) + "–" + hhmm(p.closes_at);
    });
    next.textContent = nextName ? (labels.next || "Next") + ": " + nextName : "";
    var done = progress.checkpoints.filter(function (p) { return ["on_time", "early", "late"].indexOf(p.state) >= 0; }).length;
    var counter = document.getElementById("progress-count");
    if (counter) counter.textContent = done + "/" + progress.checkpoints.length;
  }

  function refresh() {
    return fetch(root.dataset.progress, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) render(data); })
      .catch(function () { /* off-line: keep what is shown */ });
  }

  function flush() {
    if (sending) return Promise.resolve();
    var queue = load();
    if (!queue.length) return refresh();
    sending = true;
    var item = queue[0];
    return fetch("/api/v1/checkins/", {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf()},
      body: JSON.stringify(item)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) {
        if (r.status >= 500) throw new Error("server");
        var rest = load().filter(function (q) { return q.client_id !== item.client_id; });
        save(rest);
        if (r.ok) {
          result.textContent = root.dataset.msgOk + " · " + (body.checkpoint_name || "") + " · " + (labels[body.timing] || body.timing || "");
        } else {
          result.textContent = root.dataset.msgError + ": " + ((body.error && body.error.message) || r.status);
        }
        sending = false;
        return flush();
      });
    }).catch(function () {
      sending = false;
      result.textContent = root.dataset.msgQueued;
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var code = input.value.trim();
    if (!code) return;
    var queue = load();
    queue.push({checkpoint: code, scanned_at: new Date().toISOString(), by: Number(root.dataset.user), client_id: uid()});
    save(queue);
    input.value = "";
    input.focus();
    flush();
  });
  window.addEventListener("online", flush);
  setInterval(flush, 30000);
  save(load());
  flush();
})();
