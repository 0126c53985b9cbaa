/*
 * The agent inbox and live chat: polls the console's JSON and fragment endpoints every
 * second, and sends the reply form without leaving the page.  Everything that comes from
 * customers is escaped on the server: the inbox's lists are server-rendered (Jinja
 * autoescaping) and swapped in only when they changed; a chat message's ``html`` is the
 * console's escape-first rendering of the widget's formatting.
 */
(function () {
  "use strict";

  // As bot/console/agent_views.py's waited_text: a duration, never "8:59".
  function waitedText(seconds) {
    var minutes = Math.floor(Math.max(0, seconds) / 60);
    if (minutes < 1) return "under 1 min";
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + " h " + (minutes % 60) + " min";
    return Math.floor(hours / 24) + " d " + (hours % 24) + " h";
  }

  function ticking() {
    // The waiting time counts up in the browser between two polls.
    var nodes = document.querySelectorAll("time.waited[data-since]:not([data-frozen])");
    Array.prototype.forEach.call(nodes, function (node) {
      var since = Date.parse(node.getAttribute("data-since"));
      if (isNaN(since)) return;
      node.textContent = waitedText(Math.floor((Date.now() - since) / 1000));
    });
  }

  function withoutTimes(html) {
    return html.replace(/<time class="waited"[^>]*>[^<]*<\/time>/g, "");
  }

  function pollInbox(container) {
    var url = container.getAttribute("data-poll");
    var every = parseInt(container.getAttribute("data-poll-ms"), 10) || 1000;
    var last = withoutTimes(container.innerHTML.trim());
    var busy = false;
    setInterval(function () {
      if (busy) return;
      busy = true;
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
        .then(function (r) { if (r.status === 401) location.reload(); return r.ok ? r.text() : null; })
        .then(function (html) {
          if (html === null) return;
          var stripped = withoutTimes(html.trim());
          // Do not swap the lists under a pointer pressing a button, nor while follow-ups
          // are chosen for closing (the choice would be lost).
          if (stripped !== last && !container.matches(":active")
              && !container.querySelector("input[type=checkbox]:checked")) {
            container.innerHTML = html;
            last = stripped;
            ticking();
          }
        })
        .catch(function () { /* the next round tries again */ })
        .then(function () { busy = false; });
    }, every);
  }

  function messageNode(m) {
    var li = document.createElement("li");
    li.className = "msg " + m.kind + (m.button ? " button" : "") + (m.hidden ? " hidden-payload" : "");
    li.setAttribute("data-id", m.id);
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = m.kind === "customer" ? (m.button ? "Customer · button" : "Customer")
      : m.kind === "agent" ? (m.agent + " (support)") : "Assistant";
    var text = document.createElement("span");
    text.className = "text";
    if (m.payload) text.title = m.payload;
    // m.html is the console's own rendering (bot/console/message_format.py): the message
    // escaped first, then only the widget's tags (p, br, lists, strong, code, links) added.
    text.innerHTML = m.html;
    li.appendChild(who);
    li.appendChild(text);
    return li;
  }

  function pollChat(chat) {
    var url = chat.getAttribute("data-messages");
    var lastId = parseInt(chat.getAttribute("data-last-id"), 10) || 0;
    var status = chat.getAttribute("data-status");
    var mine = chat.getAttribute("data-mine");
    var list = document.getElementById("messages");
    var every = parseInt(chat.getAttribute("data-poll-ms"), 10) || 1000;
    var busy = false;
    var leaving = false;
    window.addEventListener("beforeunload", function () { leaving = true; });
    document.addEventListener("submit", function (event) {
      // Hand back, resolve: a page load.  The reply and the assist's insert stay on the page.
      if (event.target.id !== "reply" && event.target.id !== "assist-pick") leaving = true;
    }, true);
    list.scrollTop = list.scrollHeight;
    setInterval(function () {
      if (busy) return;
      busy = true;
      fetch(url + "?after=" + lastId, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { if (r.status === 401) location.reload(); return r.ok ? r.json() : null; })
        .then(function (data) {
          if (!data) return;
          data.messages.forEach(function (m) {
            lastId = Math.max(lastId, m.id);
            if (!list.querySelector('[data-id="' + m.id + '"]')) list.appendChild(messageNode(m));
            list.scrollTop = list.scrollHeight;
          });
          // A contact address the customer just typed (masked in the messages).
          var email = document.getElementById("contact-email");
          if (email && data.ticket.contact_email && email.textContent !== data.ticket.contact_email) {
            email.textContent = data.ticket.contact_email;
          }
          // Claimed by someone else, timed out, handed back elsewhere: show the new state.
          // Not while this page is leaving: after the agent's own hand back or resolve, a
          // reload would race the form's redirect to the inbox and keep the agent here.
          if (!leaving && (data.ticket.status !== status || (data.mine ? "yes" : "no") !== mine)) {
            location.reload();
          }
        })
        .catch(function () { /* the next round tries again */ })
        .then(function () { busy = false; });
    }, every);

    var form = document.getElementById("reply");
    if (!form) return;
    var box = form.querySelector("textarea");
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        form.requestSubmit();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (!box.value.trim()) return;
      var body = new FormData(form);
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, { method: "POST", body: body, credentials: "same-origin",
                           headers: { "Accept": "application/json", "X-Requested-With": "fetch" } })
        .then(function (r) { return r.json().then(function (j) { return { ok: r.ok, body: j }; }); })
        .then(function (result) {
          if (result.ok) { box.value = ""; } else { alert(result.body.error || "Not sent."); }
        })
        .catch(function () { alert("Not sent: the console did not answer."); })
        .then(function () { button.disabled = false; box.focus(); });
    });
  }

  // -- agent assist: the suggested reply and canned replies, inserted into the reply box.

  function insertIntoReply(box, text) {
    // At the cursor (replacing a selection), so that the agent's own words stay.
    var start = box.selectionStart, end = box.selectionEnd;
    var before = box.value.slice(0, start);
    var gap = before && !/\s$/.test(before) ? "\n" : "";
    box.setRangeText(gap + text, start, end, "end");
    box.rows = Math.max(box.rows, Math.min(12, box.value.split("\n").length + 1));
    box.focus();
  }

  function suggestion(box) {
    var section = document.getElementById("assist");
    if (!section) return;
    var form = document.getElementById("assist-pick");
    var shown = document.getElementById("suggestion");
    var insert = document.getElementById("assist-insert");
    var option = document.getElementById("canned-option-suggestion");
    function refresh() {
      var error = form.elements.error.value;
      if (!error) return;
      var url = section.getAttribute("data-suggest") + "?error=" + encodeURIComponent(error)
        + "&language=" + encodeURIComponent(form.elements.language.value);
      fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (s) {
          if (!s) return;
          // s.html is the console's escape-first rendering (bot/console/message_format.py).
          shown.innerHTML = s.html;
          shown.setAttribute("data-text", s.text);
          insert.disabled = false;
          if (option) {
            option.setAttribute("data-text", s.text);
            option.setAttribute("lang", s.language);
            option.querySelector(".title").textContent = "Suggested: " + s.title;
            option.querySelector(".lang").textContent = s.language;
          }
        })
        .catch(function () { /* the shown suggestion stays */ });
    }
    form.elements.error.addEventListener("change", refresh);
    form.elements.language.addEventListener("change", refresh);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var text = shown.getAttribute("data-text");
      if (text) insertIntoReply(box, text);
    });
  }

  function cannedPicker(box) {
    var picker = document.getElementById("canned-picker");
    if (!picker) return;
    var filter = document.getElementById("canned-filter");
    var none = document.getElementById("canned-none");
    var opener = document.getElementById("canned-open");
    var options = Array.prototype.slice.call(picker.querySelectorAll("[role=option]"));
    var active = null;

    function visible() { return options.filter(function (o) { return !o.hidden; }); }
    function activate(option) {
      options.forEach(function (o) { o.classList.remove("active"); o.removeAttribute("aria-selected"); });
      active = option;
      if (option) {
        option.classList.add("active");
        option.setAttribute("aria-selected", "true");
        filter.setAttribute("aria-activedescendant", option.id);
        option.scrollIntoView({ block: "nearest" });
      } else {
        filter.removeAttribute("aria-activedescendant");
      }
    }
    function apply() {
      // "/checking", "check" and "Kollar" all find the same reply; an exact shortcut first.
      var words = filter.value.trim().toLowerCase().replace(/^\//, "");
      options.forEach(function (o) { o.hidden = words && o.getAttribute("data-keys").indexOf(words) < 0; });
      var shown = visible();
      var exact = shown.filter(function (o) { return o.getAttribute("data-shortcut") === words; });
      none.hidden = shown.length > 0;
      activate(exact[0] || shown[0] || null);
    }
    function open(typed) {
      picker.hidden = false;
      filter.value = typed || "";
      apply();
      filter.focus();
    }
    function close() {
      picker.hidden = true;
      box.focus();
    }
    function choose(option) {
      picker.hidden = true;
      insertIntoReply(box, option.getAttribute("data-text"));
    }

    opener.hidden = false;
    opener.addEventListener("click", function () { open(""); });
    box.addEventListener("keydown", function (event) {
      if ((event.ctrlKey || event.metaKey) && (event.key === "k" || event.key === "K")) {
        event.preventDefault();
        open("");
      } else if (event.key === "/" && !box.value && !event.ctrlKey && !event.metaKey && !event.altKey) {
        event.preventDefault();
        open("/");
      }
    });
    filter.addEventListener("input", apply);
    filter.addEventListener("keydown", function (event) {
      var shown = visible(), at = shown.indexOf(active);
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        if (!shown.length) return;
        var step = event.key === "ArrowDown" ? 1 : -1;
        activate(shown[(at + step + shown.length) % shown.length]);
      } else if (event.key === "Enter") {
        event.preventDefault();
        if (active) choose(active);
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    options.forEach(function (o) {
      o.addEventListener("mousedown", function (event) { event.preventDefault(); choose(o); });
    });
    filter.addEventListener("blur", function () {
      setTimeout(function () { if (!picker.contains(document.activeElement)) picker.hidden = true; }, 0);
    });
  }

  function assist() {
    var form = document.getElementById("reply");
    if (!form) return;
    var box = form.querySelector("textarea");
    suggestion(box);
    cannedPicker(box);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var inbox = document.getElementById("inbox");
    if (inbox) pollInbox(inbox);
    var chat = document.getElementById("chat");
    if (chat) pollChat(chat);
    assist();
    ticking();
    setInterval(ticking, 1000);
  });
})();
