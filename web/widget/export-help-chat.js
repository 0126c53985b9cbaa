/*!
 * Export help chat widget: the bank's "Export failed" assistant (Rasa, socket.io channel).
 *
 * Embed with one script tag; it loads its stylesheet and the vendored socket.io client
 * from next to itself:
 *
 *   <script src="/widget/export-help-chat.js" defer
 *           data-server-url="https://assistant.example.com"   (default: this host, port 5005)
 *           data-language="sv"                                (default: <html lang> or the browser's)
 *           data-initial-payload="/greet"                     (sent once, when a new conversation opens)
 *           data-title="Export help"
 *           data-primary-color="#0b5cad" data-primary-text-color="#ffffff"></script>
 *
 * or set window.ExportHelpChatConfig = {serverUrl, language, initialPayload, title,
 * primaryColor, primaryTextColor, transaction, open, autoInit} before it.  API:
 *
 *   ExportHelpChat.open()                                   open the chat
 *   ExportHelpChat.open({transaction: {id, date, amount, error, accountingSystem}})
 *        open it about a failed transaction: the error text is sent as the customer's
 *        message, with the transaction in the message metadata
 *   ExportHelpChat.close(), ExportHelpChat.send(text), ExportHelpChat.init(config)
 *
 * Security: everything the customer or the server sends is put into the page with
 * textContent/createElement only, never innerHTML; links and images must be http(s).
 *
 * Live handoff: a message with `agent: {name}` is from a person in support; it is shown
 * with their first name.  The server tells the widget whether a person has the chat
 * (event `handoff_status`: {state: "agent" | "waiting" | "assistant", agent, messages})
 * when it connects (with the person's messages it may have missed) and when a message
 * gets no answer from the assistant because a person has, or is about to take, the chat.
 */
(function () {
  "use strict";

  if (window.ExportHelpChat && window.ExportHelpChat.version) {
    return; // the script was included twice
  }

  var VERSION = "1.0.0";
  var SOCKET_IO_PATH = "../vendor/socket.io-4.8.4/socket.io.min.js";
  var STORAGE_VERSION = "ehc:v1";
  var MAX_ENTRIES = 400;
  var HEARTBEAT_MS = 5000;
  var DEAD_AFTER_MS = 90000; // a tab silent this long has closed (or sleeps): adopt its log
  var SAME_MESSAGE_WINDOW_MS = 5000; // two tabs receive the same bot message about together
  var TYPING_TIMEOUT_MS = 45000;

  var currentScript = document.currentScript;
  var scriptBase = (function () {
    try {
      return new URL(".", currentScript && currentScript.src ? currentScript.src : location.href).href;
    } catch (e) {
      return location.href;
    }
  })();

  var TEXTS = {
    en: {
      title: "Export help",
      subtitle: "Assistant for failed exports",
      open: "Open chat: {title}",
      openUnread: "Open chat: {title} ({n} new)",
      close: "Close chat",
      dialog: "{title} chat",
      log: "Conversation",
      input: "Message",
      placeholder: "Type or paste the error…",
      send: "Send",
      you: "You: ",
      assistant: "Assistant: ",
      typing: "The assistant is typing",
      connecting: "Connecting…",
      reconnecting: "Reconnecting…",
      offlineHint: "Messages you write now are sent when the connection is back.",
      pending: "Not sent yet: it will be sent when the connection is back",
      about: "About transaction",
      replies: "Suggested replies",
      image: "Image from the assistant",
      newWindow: " (opens in a new window)",
      person: "{name} from support",
      personSr: "{name} from support: ",
      withPerson: "You are chatting with {name} from support",
      waitingForPerson: "Waiting for a person from support…"
    },
    sv: {
      title: "Hjälp med export",
      subtitle: "Assistent för misslyckade exporter",
      open: "Öppna chatten: {title}",
      openUnread: "Öppna chatten: {title} ({n} nya)",
      close: "Stäng chatten",
      dialog: "Chatt: {title}",
      log: "Konversation",
      input: "Meddelande",
      placeholder: "Skriv eller klistra in felet…",
      send: "Skicka",
      you: "Du: ",
      assistant: "Assistenten: ",
      typing: "Assistenten skriver",
      connecting: "Ansluter…",
      reconnecting: "Återansluter…",
      offlineHint: "Det du skriver nu skickas när anslutningen är tillbaka.",
      pending: "Inte skickat än: skickas när anslutningen är tillbaka",
      about: "Om transaktion",
      replies: "Svarsförslag",
      image: "Bild från assistenten",
      newWindow: " (öppnas i nytt fönster)",
      person: "{name} från kundtjänst",
      personSr: "{name} från kundtjänst: ",
      withPerson: "Du chattar med {name} från kundtjänst",
      waitingForPerson: "Väntar på en person från kundtjänst…"
    }
  };

  // ---------------------------------------------------------------- utilities

  function format(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_m, name) {
      return values[name] === undefined ? "" : String(values[name]);
    });
  }

  function randomHex(bytes) {
    var array = new Uint8Array(bytes);
    (window.crypto || window.msCrypto).getRandomValues(array);
    return Array.prototype.map.call(array, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  function normaliseLanguage(value) {
    var text = String(value || "").toLowerCase();
    if (text.indexOf("sv") === 0) return "sv";
    if (text.indexOf("en") === 0) return "en";
    return null;
  }

  function pageLanguage() {
    var candidates = [document.documentElement.getAttribute("lang")];
    candidates = candidates.concat(navigator.languages || [], [navigator.language]);
    for (var i = 0; i < candidates.length; i++) {
      var language = normaliseLanguage(candidates[i]);
      if (language) return language;
    }
    return "en";
  }

  /** The URL as a string if it is an absolute http(s) URL, else null. */
  function safeUrl(value) {
    if (typeof value !== "string" || value.length > 2000) return null;
    try {
      var url = new URL(value.trim());
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function safeColor(value) {
    if (typeof value !== "string" || !value) return null;
    return window.CSS && CSS.supports && CSS.supports("color", value) ? value : null;
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function clip(value, length) {
    if (value === undefined || value === null) return undefined;
    if (typeof value === "number" || typeof value === "boolean") return value;
    return String(value).slice(0, length);
  }

  // ---------------------------------------------------------------- storage

  var memory = {};
  var memoryStorage = {
    getItem: function (k) { return Object.prototype.hasOwnProperty.call(memory, k) ? memory[k] : null; },
    setItem: function (k, v) { memory[k] = String(v); },
    removeItem: function (k) { delete memory[k]; },
    key: function (i) { return Object.keys(memory)[i] || null; },
    get length() { return Object.keys(memory).length; }
  };

  function usableStorage(name) {
    try {
      var storage = window[name];
      var probe = "ehc:probe";
      storage.setItem(probe, probe);
      storage.removeItem(probe);
      return storage;
    } catch (e) {
      return memoryStorage; // storage disabled: the widget works, without history
    }
  }

  var local = usableStorage("localStorage");
  var perTab = usableStorage("sessionStorage");

  function readJson(storage, key, fallback) {
    try {
      var value = storage.getItem(key);
      return value === null ? fallback : JSON.parse(value);
    } catch (e) {
      return fallback;
    }
  }

  function writeJson(storage, key, value) {
    try {
      storage.setItem(key, JSON.stringify(value));
    } catch (e) {
      /* quota exceeded: keep going in memory */
    }
  }

  function storageKeys(prefix) {
    var keys = [];
    try {
      for (var i = 0; i < local.length; i++) {
        var key = local.key(i);
        if (key && key.indexOf(prefix) === 0) keys.push(key);
      }
    } catch (e) { /* ignore */ }
    return keys;
  }

  // ---------------------------------------------------------------- markdown subset

  // **bold**, `code`, [text](http(s) URL) and bare http(s) URLs, within one line.
  var INLINE = /\*\*(.+?)\*\*|`([^`]+)`|\[([^\]]{1,300})\]\(\s*([^()\s]+)\s*\)|(https?:\/\/[^\s<>"']+)/g;

  function link(url, text, t) {
    var href = safeUrl(url);
    if (!href) return document.createTextNode(text);
    var a = el("a", null, text);
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer nofollow";
    a.appendChild(el("span", "ehc-sr", t.newWindow));
    return a;
  }

  function appendInline(parent, text, t, insideBold) {
    var last = 0;
    var match;
    INLINE.lastIndex = 0;
    var pieces = [];
    while ((match = INLINE.exec(text)) !== null) {
      pieces.push({ start: match.index, end: INLINE.lastIndex, match: match.slice() });
    }
    pieces.forEach(function (piece) {
      var m = piece.match;
      if (piece.start > last) parent.appendChild(document.createTextNode(text.slice(last, piece.start)));
      if (m[1] !== undefined) {
        if (insideBold) {
          parent.appendChild(document.createTextNode(m[1]));
        } else {
          var strong = el("strong");
          appendInline(strong, m[1], t, true);
          parent.appendChild(strong);
        }
      } else if (m[2] !== undefined) {
        parent.appendChild(el("code", null, m[2]));
      } else if (m[3] !== undefined) {
        parent.appendChild(link(m[4], m[3], t));
      } else {
        // A bare URL: leave trailing punctuation out of it.
        var url = m[5].replace(/[.,;:!?)\]]+$/, "");
        parent.appendChild(link(url, url, t));
        if (url.length < m[5].length) parent.appendChild(document.createTextNode(m[5].slice(url.length)));
      }
      last = piece.end;
    });
    if (last < text.length) parent.appendChild(document.createTextNode(text.slice(last)));
  }

  /** A DocumentFragment for the text: paragraphs, numbered (<ol>) and bullet (<ul>) lists. */
  function renderMarkdown(text, t) {
    var fragment = document.createDocumentFragment();
    var lines = String(text).replace(/\r\n?/g, "\n").split("\n");
    var paragraph = null;
    var list = null;
    var item = null;
    lines.forEach(function (line) {
      var numbered = /^\s{0,3}(\d{1,3})[.)]\s+(.*)$/.exec(line);
      var bullet = /^\s{0,3}[-*•]\s+(.*)$/.exec(line);
      if (!line.trim()) {
        paragraph = list = item = null;
      } else if (numbered || bullet) {
        var kind = numbered ? "OL" : "UL";
        if (!list || list.nodeName !== kind) {
          list = el(kind.toLowerCase());
          if (numbered && numbered[1] !== "1") list.start = parseInt(numbered[1], 10);
          fragment.appendChild(list);
        }
        item = el("li");
        appendInline(item, numbered ? numbered[2] : bullet[1], t);
        list.appendChild(item);
        paragraph = null;
      } else if (item && /^\s{2,}\S/.test(line)) {
        item.appendChild(el("br"));
        appendInline(item, line.trim(), t);
      } else {
        list = item = null;
        if (paragraph) {
          paragraph.appendChild(el("br"));
        } else {
          paragraph = el("p");
          fragment.appendChild(paragraph);
        }
        appendInline(paragraph, line, t);
      }
    });
    return fragment;
  }

  // ---------------------------------------------------------------- messages

  /** Keeps only what the widget shows from a bot_uttered payload, as plain data. */
  function cleanBotMessage(raw) {
    var message = {};
    if (raw === null || raw === undefined) return message;
    if (typeof raw !== "object") {
      message.text = String(raw);
      return message;
    }
    if (raw.text !== undefined && raw.text !== null) message.text = String(raw.text).slice(0, 20000);
    var buttons = Array.isArray(raw.quick_replies) ? raw.quick_replies
      : Array.isArray(raw.buttons) ? raw.buttons : [];
    buttons = buttons.filter(function (b) { return b && (b.title || b.payload); }).slice(0, 20)
      .map(function (b) {
        return { title: String(b.title || b.payload).slice(0, 200), payload: String(b.payload || b.title).slice(0, 2000) };
      });
    if (buttons.length) message.buttons = buttons;
    var image = null;
    var attachment = raw.attachment;
    if (attachment && typeof attachment === "object" && attachment.type === "image" && attachment.payload) {
      image = attachment.payload.src || attachment.payload.url;
    } else if (typeof raw.image === "string") {
      image = raw.image;
    }
    if (safeUrl(image)) message.image = safeUrl(image);
    // A person from support (live handoff): their first name, and the message's id.
    if (raw.agent && typeof raw.agent === "object" && typeof raw.agent.name === "string" &&
        raw.agent.name.trim()) {
      message.agent = raw.agent.name.trim().slice(0, 64);
      if (typeof raw.id === "string" && /^agent-[\w.-]{1,80}$/.test(raw.id)) message.serverId = raw.id;
    }
    return message;
  }

  function transactionRef(transaction, t) {
    var parts = [transaction.id, transaction.date, transaction.amount]
      .filter(function (p) { return p !== undefined && p !== null && String(p).trim(); })
      .map(String);
    return t.about + (parts.length ? " " + parts.join(" · ") : "") + ": ";
  }

  function cleanTransaction(transaction) {
    var clean = {};
    ["id", "date", "amount", "currency", "description", "merchant", "error", "errorCode",
      "accountingSystem", "status"].forEach(function (name) {
      var value = clip(transaction[name], 1000);
      if (value !== undefined && value !== "") clean[name] = value;
    });
    return clean;
  }

  // ---------------------------------------------------------------- the widget

  function Widget(config) {
    this.config = config;
    this.t = TEXTS[config.language];
    this.tab = randomHex(6);
    this.prefix = STORAGE_VERSION + ":" + config.serverUrl;
    this.own = [];
    this.lastAt = 0;
    this.rendered = [];
    this.state = "idle"; // idle | connecting | connecting-failed | online | reconnecting
    this.everConnected = false;
    this.confirmed = false;
    this.socket = null;
    this.unread = 0;
    this.typingTimer = null;
    this.renderQueued = false;
    this.handoff = { state: "assistant" }; // or "waiting", or "agent" with a name
  }

  Widget.prototype.key = function (name) {
    return this.prefix + ":" + name;
  };

  Widget.prototype.logPrefix = function () {
    return this.key(this.sessionId + ":log:");
  };

  Widget.prototype.start = function () {
    var self = this;
    this.sessionId = local.getItem(this.key("session"));
    if (!this.sessionId || !/^[0-9a-f]{16,64}$/.test(this.sessionId)) {
      this.sessionId = randomHex(16);
      try { local.setItem(this.key("session"), this.sessionId); } catch (e) { /* in memory only */ }
    }
    this.adoptClosedTabs();
    this.heartbeat();
    this.heartbeatTimer = setInterval(function () { self.heartbeat(); }, HEARTBEAT_MS);
    window.addEventListener("pagehide", function () { self.leave(); });
    window.addEventListener("pageshow", function (event) { if (event.persisted) self.rejoin(); });
    window.addEventListener("storage", function (event) { self.onStorage(event); });

    this.handoff = readJson(local, this.key(this.sessionId + ":handoff"), null) || this.handoff;
    this.build();
    this.showHandoff();
    this.render(true);
    var entries = this.entries();
    if (entries.length || this.hasPending()) this.connect();
    if (this.config.open || perTab.getItem(this.key("open")) === "1") this.open();
    if (this.config.transaction) this.open({ transaction: this.config.transaction });
  };

  // ---- the conversation, kept in localStorage: one log per tab, merged for display

  Widget.prototype.ownKey = function () {
    return this.logPrefix() + this.tab;
  };

  Widget.prototype.saveOwn = function () {
    if (this.own.length > MAX_ENTRIES) this.own = this.own.slice(-MAX_ENTRIES);
    writeJson(local, this.ownKey(), this.own);
  };

  Widget.prototype.heartbeat = function () {
    try { local.setItem(this.key(this.sessionId + ":alive:" + this.tab), String(Date.now())); } catch (e) { /* ignore */ }
  };

  Widget.prototype.leave = function () {
    try { local.removeItem(this.key(this.sessionId + ":alive:" + this.tab)); } catch (e) { /* ignore */ }
  };

  Widget.prototype.rejoin = function () {
    // Back from the back/forward cache: another tab may have adopted our log meanwhile.
    if (local.getItem(this.ownKey()) === null) this.own = [];
    this.heartbeat();
    this.scheduleRender();
  };

  /** Moves the logs of tabs that have closed (reloads included) into this tab's log. */
  Widget.prototype.adoptClosedTabs = function () {
    var self = this;
    var prefix = this.logPrefix();
    var known = {};
    this.own.forEach(function (e) { known[e.id] = true; });
    storageKeys(prefix).forEach(function (key) {
      var tab = key.slice(prefix.length);
      if (tab === self.tab) return;
      var aliveKey = self.key(self.sessionId + ":alive:" + tab);
      var alive = parseInt(local.getItem(aliveKey) || "0", 10);
      if (Date.now() - alive < DEAD_AFTER_MS) return;
      readJson(local, key, []).forEach(function (entry) {
        if (entry && entry.id && !known[entry.id]) {
          known[entry.id] = true;
          self.own.push(entry);
        }
      });
      local.removeItem(key);
      local.removeItem(aliveKey);
    });
    this.own.sort(compareEntries);
    this.lastAt = this.own.reduce(function (max, e) { return Math.max(max, e.at || 0); }, 0);
    if (this.own.length) this.saveOwn();
  };

  function compareEntries(a, b) {
    return (a.at - b.at) || (a.tab < b.tab ? -1 : a.tab > b.tab ? 1 : 0) || ((a.seq || 0) - (b.seq || 0));
  }

  /** The whole conversation as this browser knows it, oldest first. */
  Widget.prototype.entries = function () {
    var self = this;
    var prefix = this.logPrefix();
    var byId = {};
    this.own.forEach(function (e) { byId[e.id] = e; });
    storageKeys(prefix).forEach(function (key) {
      if (key === self.ownKey()) return;
      readJson(local, key, []).forEach(function (e) {
        if (e && e.id && !byId[e.id]) byId[e.id] = e;
      });
    });
    var all = Object.keys(byId).map(function (id) { return byId[id]; }).sort(compareEntries);
    // Every open tab receives the server's messages and logs them: show each once.
    var groups = [];
    return all.filter(function (entry) {
      if (entry.role !== "bot") return true;
      for (var i = groups.length - 1; i >= 0; i--) {
        var group = groups[i];
        if (entry.at - group.at > SAME_MESSAGE_WINDOW_MS) break;
        if (group.key === entry.key && !group.tabs[entry.tab]) {
          group.tabs[entry.tab] = true;
          return false;
        }
      }
      var tabs = {};
      tabs[entry.tab] = true;
      groups.push({ key: entry.key, at: entry.at, tabs: tabs });
      return true;
    });
  };

  Widget.prototype.addEntry = function (entry) {
    var now = Date.now();
    this.lastAt = Math.max(now, this.lastAt + 1);
    entry.id = entry.id || this.tab + "-" + randomHex(6);
    entry.tab = this.tab;
    entry.at = this.lastAt;
    this.own.push(entry);
    this.saveOwn();
    this.heartbeat();
    this.scheduleRender();
    return entry;
  };

  Widget.prototype.hasPending = function () {
    return this.own.some(function (e) { return e.status === "pending"; });
  };

  Widget.prototype.onStorage = function (event) {
    if (event.storageArea && event.storageArea !== local) return;
    if (event.key === null) { // storage cleared
      this.own = [];
      this.scheduleRender();
      return;
    }
    if (event.key === this.key("session") && event.newValue && event.newValue !== this.sessionId &&
        !this.own.length) {
      // Two tabs started a conversation at the same moment: both continue the stored one.
      this.sessionId = event.newValue;
      if (this.online()) this.socket.emit("session_request", { session_id: this.sessionId });
      this.scheduleRender();
      return;
    }
    if (event.key === this.ownKey() && event.newValue === null) {
      this.own = []; // another tab took our log over while we looked closed
    }
    if (event.key.indexOf(this.logPrefix()) === 0) {
      this.scheduleRender();
      if (!this.socket && event.newValue) this.connect();
    }
  };

  // ---- the connection

  Widget.prototype.loadSocketIo = function () {
    if (window.io) return Promise.resolve(window.io);
    if (!Widget.socketIoPromise) {
      Widget.socketIoPromise = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = new URL(SOCKET_IO_PATH, scriptBase).href;
        script.async = true;
        script.onload = function () { window.io ? resolve(window.io) : reject(new Error("no io")); };
        script.onerror = function () { Widget.socketIoPromise = null; reject(new Error("socket.io client did not load")); };
        document.head.appendChild(script);
      });
    }
    return Widget.socketIoPromise;
  };

  Widget.prototype.connect = function () {
    var self = this;
    if (this.socket || this.connecting) return;
    this.connecting = true;
    this.setState("connecting");
    this.loadSocketIo().then(function (io) {
      var socket = io(self.config.serverUrl, {
        path: self.config.socketPath,
        transports: self.config.transports,
        reconnection: true,
        reconnectionDelay: 1000,
        reconnectionDelayMax: 5000,
        timeout: 10000,
        tryAllTransports: true // websocket first, long-polling where websockets are blocked
      });
      self.socket = socket;
      self.connecting = false;
      socket.on("connect", function () {
        self.confirmed = false;
        socket.emit("session_request", { session_id: self.sessionId });
      });
      socket.on("session_confirm", function (data) {
        var id = typeof data === "string" ? data : data && data.session_id;
        if (id && id !== self.sessionId) return; // not our request
        self.confirmed = true;
        self.everConnected = true;
        self.setState("online");
        self.onOnline();
      });
      socket.on(self.config.botEvent, function (message) { self.onBotMessage(message); });
      socket.on("handoff_status", function (status) { self.onHandoffStatus(status); });
      socket.on("disconnect", function (reason) {
        self.confirmed = false;
        self.setState("reconnecting");
        if (reason === "io server disconnect") {
          setTimeout(function () { socket.connect(); }, 1000);
        }
      });
      socket.on("connect_error", function () {
        self.setState(self.everConnected ? "reconnecting" : "connecting-failed");
      });
    }).catch(function () {
      self.connecting = false;
      self.setState("connecting-failed");
      setTimeout(function () { self.connect(); }, 5000);
    });
  };

  Widget.prototype.online = function () {
    return !!(this.socket && this.socket.connected && this.confirmed);
  };

  Widget.prototype.onOnline = function () {
    var self = this;
    var pending = this.own.filter(function (e) { return e.status === "pending"; });
    pending.forEach(function (entry) { self.transmit(entry); });
    if (!pending.length) this.maybeGreet();
  };

  Widget.prototype.transmit = function (entry) {
    if (!this.online()) return;
    var metadata = { language: this.config.language };
    if (entry.transaction) metadata.transaction = entry.transaction;
    this.socket.emit(this.config.userEvent, {
      message: entry.message,
      session_id: this.sessionId,
      metadata: metadata
    });
    entry.status = "sent";
    this.saveOwn();
    this.scheduleRender();
    // A person answers when they answer: no "the assistant is typing" meanwhile.
    if (this.handoff.state === "assistant") this.showTyping();
  };

  Widget.prototype.maybeGreet = function () {
    var payload = this.config.initialPayload;
    if (!payload || !this.isOpen || this.entries().length) return;
    // "/greet" goes as /greet{"language":"sv"}: the assistant greets in the page's language.
    if (/^\/[\w-]+$/.test(payload)) payload += JSON.stringify({ language: this.config.language });
    this.queue({ kind: "hidden", message: payload });
  };

  /** Adds the customer's message to the conversation and sends it, now or once connected. */
  Widget.prototype.queue = function (entry) {
    entry.role = "user";
    entry.status = "pending";
    entry = this.addEntry(entry);
    if (this.online()) {
      this.transmit(entry);
    } else {
      this.connect();
    }
    return entry;
  };

  Widget.prototype.onBotMessage = function (raw) {
    var message = cleanBotMessage(raw);
    if (!message.text && !message.image && !message.buttons) return;
    if (message.agent) {
      this.setHandoff({ state: "agent", agent: message.agent });
    } else if (this.handoff.state !== "assistant") {
      this.setHandoff({ state: "assistant" }); // the assistant speaks again: the person left
    }
    if (message.serverId) {
      var known = this.entries().some(function (e) { return e.id === message.serverId; });
      if (known) return; // already shown (sent again after a reconnect)
    }
    this.addEntry({ role: "bot", message: message, key: JSON.stringify(message), id: message.serverId });
    this.hideTyping();
    if (!this.isOpen) {
      this.unread += 1;
      this.updateBubble();
    }
  };

  /** Whether a person has the chat, from the server (on connecting, or when unanswered). */
  Widget.prototype.onHandoffStatus = function (status) {
    if (!status || typeof status !== "object") return;
    var self = this;
    var state = status.state === "agent" || status.state === "waiting" ? status.state : "assistant";
    var name = typeof status.agent === "string" ? status.agent.trim().slice(0, 64) : "";
    if (state === "agent" && !name) state = "waiting";
    this.setHandoff(state === "agent" ? { state: state, agent: name } : { state: state });
    if (state !== "assistant") this.hideTyping();
    // The person's messages written while this page was away (a reload, a new tab).
    if (Array.isArray(status.messages)) {
      status.messages.slice(-50).forEach(function (raw) {
        var message = cleanBotMessage(raw);
        if (!message.serverId || !message.text) return;
        var known = self.entries().some(function (e) { return e.id === message.serverId; });
        if (!known) self.addEntry({ role: "bot", message: message, key: JSON.stringify(message), id: message.serverId });
      });
    }
  };

  Widget.prototype.setHandoff = function (handoff) {
    this.handoff = handoff;
    writeJson(local, this.key(this.sessionId + ":handoff"), handoff);
    this.showHandoff();
  };

  Widget.prototype.showHandoff = function () {
    if (!this.subtitle) return;
    var t = this.t;
    var handoff = this.handoff || {};
    var text = handoff.state === "agent" && handoff.agent ? format(t.withPerson, { name: handoff.agent })
      : handoff.state === "waiting" ? t.waitingForPerson : t.subtitle;
    this.subtitle.textContent = text;
    this.subtitle.classList.toggle("ehc-with-person", handoff.state === "agent");
  };

  // ---- user actions

  Widget.prototype.sendText = function (text) {
    text = String(text || "").trim();
    if (!text) return null;
    return this.queue({ kind: "text", text: text.slice(0, 5000), message: text.slice(0, 5000) });
  };

  Widget.prototype.openAbout = function (transaction) {
    var clean = cleanTransaction(transaction || {});
    var error = String(clean.error || "").trim();
    if (!error) return;
    var entries = this.entries();
    var lastUser = null;
    for (var i = entries.length - 1; i >= 0; i--) {
      if (entries[i].role === "user") { lastUser = entries[i]; break; }
    }
    // Clicking "Get help" twice on the same transaction does not ask twice.
    if (lastUser && lastUser.kind === "context" && lastUser.transaction &&
        lastUser.transaction.id === clean.id && lastUser.message === error) return;
    this.queue({ kind: "context", message: error, text: error, transaction: clean });
  };

  // ---- the DOM

  Widget.prototype.build = function () {
    var self = this;
    var t = this.t;
    var config = this.config;

    var host = el("div");
    host.id = "export-help-chat";
    host.setAttribute("data-export-help-chat", VERSION);
    var root = host.attachShadow ? host.attachShadow({ mode: "open" }) : host;
    this.host = host;
    this.root = root;

    var style = document.createElement("link");
    style.rel = "stylesheet";
    style.href = new URL("export-help-chat.css", scriptBase).href;
    root.appendChild(style);

    var container = el("div", "ehc");
    container.lang = config.language;
    // Unstyled until the stylesheet is in, rather than a flash of bare buttons.
    container.style.visibility = "hidden";
    style.onload = style.onerror = function () { container.style.visibility = ""; };
    var primary = safeColor(config.primaryColor);
    var onPrimary = safeColor(config.primaryTextColor);
    if (primary) container.style.setProperty("--ehc-primary", primary);
    if (onPrimary) container.style.setProperty("--ehc-on-primary", onPrimary);
    root.appendChild(container);

    var panelId = "ehc-panel";
    var bubble = el("button", "ehc-bubble-button");
    bubble.type = "button";
    bubble.setAttribute("aria-expanded", "false");
    bubble.setAttribute("aria-controls", panelId);
    bubble.appendChild(bubbleIcon());
    var badge = el("span", "ehc-badge");
    badge.hidden = true;
    badge.setAttribute("aria-hidden", "true");
    bubble.appendChild(badge);
    bubble.addEventListener("click", function () { self.isOpen ? self.close() : self.open(); });
    this.bubble = bubble;
    this.badge = badge;

    var panel = el("section", "ehc-panel");
    panel.id = panelId;
    panel.hidden = true;
    panel.setAttribute("role", "dialog");
    panel.setAttribute("aria-modal", "false");
    panel.setAttribute("aria-label", format(t.dialog, { title: config.title }));
    panel.addEventListener("keydown", function (event) {
      if (event.key === "Escape" || event.key === "Esc") {
        event.preventDefault();
        self.close();
      }
    });
    this.panel = panel;

    var header = el("header", "ehc-header");
    var titles = el("div", "ehc-titles");
    titles.appendChild(el("h2", "ehc-title", config.title));
    this.subtitle = el("p", "ehc-subtitle", t.subtitle);
    titles.appendChild(this.subtitle);
    header.appendChild(titles);
    var closeButton = el("button", "ehc-close");
    closeButton.type = "button";
    closeButton.setAttribute("aria-label", t.close);
    closeButton.title = t.close;
    closeButton.appendChild(closeIcon());
    closeButton.addEventListener("click", function () { self.close(); });
    header.appendChild(closeButton);
    panel.appendChild(header);

    var status = el("div", "ehc-status");
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite");
    this.status = status;
    panel.appendChild(status);

    var log = el("div", "ehc-log");
    log.setAttribute("role", "log");
    log.setAttribute("aria-live", "polite");
    log.setAttribute("aria-relevant", "additions");
    log.setAttribute("aria-label", t.log);
    log.tabIndex = 0; // scrollable with the keyboard
    this.log = log;
    // Stay at the newest message when the panel changes size (phone keyboard, rotation),
    // unless the customer has scrolled up to read.
    // Layout changes can move the scroll position too (Chrome resets it when the panel
    // turns full-screen): only the customer's own scrolling unpins.
    this.pinned = true;
    var userScrolledAt = 0;
    ["wheel", "touchmove", "keydown", "pointerdown"].forEach(function (type) {
      log.addEventListener(type, function () { userScrolledAt = Date.now(); }, { passive: true });
    });
    log.addEventListener("scroll", function () {
      if (log.scrollHeight - log.scrollTop - log.clientHeight < 40) {
        self.pinned = true;
      } else if (Date.now() - userScrolledAt < 1000) {
        self.pinned = false;
      } else if (self.pinned) {
        log.scrollTop = log.scrollHeight;
      }
    });
    if (window.ResizeObserver) {
      new ResizeObserver(function () { if (self.pinned) log.scrollTop = log.scrollHeight; }).observe(log);
    }
    panel.appendChild(log);

    var typing = el("div", "ehc-typing");
    typing.hidden = true;
    var dots = el("span", "ehc-dots");
    dots.setAttribute("aria-hidden", "true");
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    dots.appendChild(el("span"));
    typing.appendChild(dots);
    typing.appendChild(el("span", "ehc-sr", t.typing));
    this.typing = typing;
    panel.appendChild(typing);

    var form = el("form", "ehc-form");
    form.setAttribute("novalidate", "");
    var input = el("textarea", "ehc-input");
    input.rows = 1;
    input.maxLength = 5000;
    input.setAttribute("aria-label", t.input);
    input.placeholder = t.placeholder;
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    input.addEventListener("input", function () { self.autosize(); });
    var send = el("button", "ehc-send");
    send.type = "submit";
    send.setAttribute("aria-label", t.send);
    send.title = t.send;
    send.appendChild(sendIcon());
    form.appendChild(input);
    form.appendChild(send);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    this.input = input;
    panel.appendChild(form);

    container.appendChild(panel);
    container.appendChild(bubble);
    (document.body || document.documentElement).appendChild(host);
    this.updateBubble();
  };

  Widget.prototype.autosize = function () {
    var input = this.input;
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
  };

  Widget.prototype.submit = function () {
    var text = this.input.value;
    if (!text.trim()) return;
    this.input.value = "";
    this.autosize();
    this.sendText(text);
  };

  Widget.prototype.updateBubble = function () {
    var t = this.t;
    var label = this.unread
      ? format(t.openUnread, { title: this.config.title, n: this.unread })
      : format(t.open, { title: this.config.title });
    this.bubble.setAttribute("aria-label", this.isOpen ? t.close : label);
    this.bubble.title = this.isOpen ? t.close : label;
    this.badge.hidden = !this.unread || this.isOpen;
    this.badge.textContent = !this.unread ? "" : this.unread > 9 ? "9+" : String(this.unread);
  };

  Widget.prototype.open = function (options) {
    options = options || {};
    var wasOpen = this.isOpen;
    this.isOpen = true;
    this.unread = 0;
    this.panel.hidden = false;
    this.bubble.setAttribute("aria-expanded", "true");
    this.host.classList.add("ehc-open");
    this.panel.parentNode.classList.add("ehc-is-open");
    this.updateBubble();
    try { perTab.setItem(this.key("open"), "1"); } catch (e) { /* ignore */ }
    if (options.transaction) {
      this.openAbout(options.transaction);
    } else if (!wasOpen && this.online()) {
      this.maybeGreet();
    }
    this.connect();
    this.render();
    this.scrollToEnd();
    this.input.focus();
  };

  Widget.prototype.close = function () {
    if (!this.isOpen) return;
    this.isOpen = false;
    this.panel.hidden = true;
    this.bubble.setAttribute("aria-expanded", "false");
    this.panel.parentNode.classList.remove("ehc-is-open");
    this.updateBubble();
    try { perTab.removeItem(this.key("open")); } catch (e) { /* ignore */ }
    this.bubble.focus();
  };

  Widget.prototype.setState = function (state) {
    this.state = state;
    var t = this.t;
    var text = "";
    var hint = "";
    if (state === "reconnecting" || state === "connecting-failed") {
      text = this.everConnected || state === "connecting-failed" ? t.reconnecting : t.connecting;
      hint = t.offlineHint;
    } else if (state === "connecting" && this.everConnected) {
      text = t.reconnecting;
    }
    this.status.textContent = "";
    if (text) {
      this.status.appendChild(el("strong", null, text));
      if (hint) this.status.appendChild(el("span", null, " " + hint));
    }
    this.status.className = "ehc-status" + (text ? " ehc-status-visible" : "");
    if (state !== "online") this.hideTyping();
  };

  Widget.prototype.showTyping = function () {
    var self = this;
    this.typing.hidden = false;
    clearTimeout(this.typingTimer);
    this.typingTimer = setTimeout(function () { self.hideTyping(); }, TYPING_TIMEOUT_MS);
    this.scrollToEnd();
  };

  Widget.prototype.hideTyping = function () {
    clearTimeout(this.typingTimer);
    this.typing.hidden = true;
  };

  Widget.prototype.scheduleRender = function () {
    var self = this;
    if (this.renderQueued) return;
    this.renderQueued = true;
    Promise.resolve().then(function () {
      self.renderQueued = false;
      self.render();
    });
  };

  Widget.prototype.render = function (initial) {
    var self = this;
    var entries = this.entries();
    var rendered = this.rendered;
    var isPrefix = rendered.length <= entries.length && rendered.every(function (r, i) {
      return r.id === entries[i].id;
    });
    var rebuild = !isPrefix || initial;
    if (rebuild) {
      // Re-showing the history is not news: keep screen readers from reading it all out.
      this.log.setAttribute("aria-live", "off");
      this.log.textContent = "";
      rendered = this.rendered = [];
    }
    var added = false;
    for (var i = rendered.length; i < entries.length; i++) {
      var node = this.buildEntry(entries[i]);
      this.log.appendChild(node);
      rendered.push({ id: entries[i].id, node: node });
      added = true;
    }
    // Quick replies work on the latest message only; the one chosen stays marked.
    var chosen = {};
    entries.forEach(function (e) { if (e.replyTo) chosen[e.replyTo] = e.message; });
    var lastVisible = null;
    for (var j = entries.length - 1; j >= 0; j--) {
      if (entries[j].kind !== "hidden") { lastVisible = entries[j]; break; }
    }
    entries.forEach(function (entry, index) {
      var node = rendered[index].node;
      if (entry.role === "user") {
        node.classList.toggle("ehc-pending", entry.status === "pending");
        var note = node.querySelector(".ehc-note");
        if (note) note.hidden = entry.status !== "pending";
      }
      var buttons = node.querySelectorAll(".ehc-reply");
      Array.prototype.forEach.call(buttons, function (button) {
        var usable = entry === lastVisible;
        button.disabled = !usable;
        var picked = chosen[entry.id] !== undefined && chosen[entry.id] === button.getAttribute("data-payload");
        button.classList.toggle("ehc-chosen", picked);
        button.setAttribute("aria-pressed", picked ? "true" : "false");
      });
    });
    if (rebuild) {
      setTimeout(function () { self.log.setAttribute("aria-live", "polite"); }, 0);
    }
    if (added || rebuild) this.scrollToEnd();
    if (lastVisible && lastVisible.role === "bot") this.hideTyping();
  };

  Widget.prototype.scrollToEnd = function () {
    var log = this.log;
    if (!log) return;
    this.pinned = true;
    var doScroll = function () { log.scrollTop = log.scrollHeight; };
    doScroll();
    if (window.requestAnimationFrame) requestAnimationFrame(doScroll);
  };

  Widget.prototype.buildEntry = function (entry) {
    var self = this;
    var t = this.t;
    if (entry.kind === "hidden") {
      var hidden = el("div");
      hidden.hidden = true;
      return hidden;
    }
    if (entry.role === "user") {
      var note = el("div", "ehc-note", t.pending);
      note.hidden = entry.status !== "pending";
      if (entry.kind === "context") {
        var context = el("div", "ehc-context");
        context.appendChild(el("span", "ehc-context-label", transactionRef(entry.transaction || {}, t)));
        context.appendChild(el("span", "ehc-context-error", entry.text));
        context.appendChild(note);
        return context;
      }
      var mine = el("div", "ehc-msg ehc-from-user");
      var bubble = el("div", "ehc-text");
      bubble.appendChild(el("span", "ehc-sr", t.you));
      bubble.appendChild(document.createTextNode(entry.text));
      mine.appendChild(bubble);
      mine.appendChild(note);
      return mine;
    }
    var message = entry.message || {};
    var theirs = el("div", "ehc-msg ehc-from-bot" + (message.agent ? " ehc-from-agent" : ""));
    if (message.agent) {
      // A person, not the assistant: their first name above what they wrote.
      var name = el("div", "ehc-agent-name", format(t.person, { name: message.agent }));
      name.setAttribute("aria-hidden", "true");
      theirs.appendChild(name);
    }
    if (message.text || message.image) {
      var body = el("div", "ehc-text");
      body.appendChild(el("span", "ehc-sr", message.agent ? format(t.personSr, { name: message.agent }) : t.assistant));
      if (message.text) body.appendChild(renderMarkdown(message.text, t));
      var src = safeUrl(message.image);
      if (src) {
        var image = el("img", "ehc-image");
        image.src = src;
        image.alt = t.image;
        image.loading = "lazy";
        image.referrerPolicy = "no-referrer";
        image.addEventListener("load", function () { if (self.pinned) self.scrollToEnd(); });
        body.appendChild(image);
      }
      theirs.appendChild(body);
    }
    if (message.buttons && message.buttons.length) {
      var group = el("div", "ehc-replies");
      group.setAttribute("role", "group");
      group.setAttribute("aria-label", t.replies);
      message.buttons.forEach(function (b) {
        var button = el("button", "ehc-reply", b.title);
        button.type = "button";
        button.setAttribute("data-payload", b.payload);
        button.addEventListener("click", function () {
          if (button.disabled) return;
          button.disabled = true;
          self.queue({ kind: "button", text: b.title, message: b.payload, replyTo: entry.id });
          self.input.focus();
        });
        group.appendChild(button);
      });
      theirs.appendChild(group);
    }
    return theirs;
  };

  // ---------------------------------------------------------------- icons (static SVG, no user data)

  var SVG = "http://www.w3.org/2000/svg";
  function icon(paths, viewBox) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", viewBox || "0 0 24 24");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var path = document.createElementNS(SVG, "path");
      path.setAttribute("d", d);
      svg.appendChild(path);
    });
    return svg;
  }
  function bubbleIcon() {
    return icon(["M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z"]);
  }
  function closeIcon() {
    return icon(["M6.4 5 5 6.4 10.6 12 5 17.6 6.4 19l5.6-5.6 5.6 5.6 1.4-1.4-5.6-5.6L19 6.4 17.6 5 12 10.6z"]);
  }
  function sendIcon() {
    return icon(["M3 20.5 21.5 12 3 3.5v6.6l13 1.9-13 1.9z"]);
  }

  // ---------------------------------------------------------------- configuration and API

  function readConfig(overrides) {
    var data = currentScript ? currentScript.dataset : {};
    var global = window.ExportHelpChatConfig || {};
    var pick = function (name, dataName) {
      if (overrides && overrides[name] !== undefined) return overrides[name];
      if (global[name] !== undefined) return global[name];
      return data[dataName || name];
    };
    var language = normaliseLanguage(pick("language")) || pageLanguage();
    var serverUrl = safeUrl(pick("serverUrl")) ||
      location.protocol.replace(/^(?!https?:).*$/, "http:") + "//" + (location.hostname || "localhost") + ":5005";
    var transports = pick("transports");
    if (typeof transports === "string") transports = transports.split(/[\s,]+/).filter(Boolean);
    var flag = function (value) { return value === true || value === "true" || value === ""; };
    return {
      serverUrl: serverUrl.replace(/\/+$/, ""),
      socketPath: pick("socketPath") || "/socket.io",
      transports: Array.isArray(transports) && transports.length ? transports : ["websocket", "polling"],
      userEvent: pick("userEvent") || "user_uttered",
      botEvent: pick("botEvent") || "bot_uttered",
      language: language,
      initialPayload: pick("initialPayload") || null,
      title: String(pick("title") || TEXTS[language].title).slice(0, 80),
      primaryColor: pick("primaryColor"),
      primaryTextColor: pick("primaryTextColor"),
      transaction: overrides && overrides.transaction || global.transaction || null,
      open: flag(pick("open")),
      autoInit: pick("autoInit") === undefined ? true : flag(pick("autoInit"))
    };
  }

  var widget = null;

  function init(overrides) {
    if (widget) return api;
    widget = new Widget(readConfig(overrides));
    api.widget = widget;
    var start = function () { widget.start(); };
    if (document.body) start();
    else document.addEventListener("DOMContentLoaded", start);
    return api;
  }

  function ready(fn) {
    return function () {
      var args = arguments;
      init();
      if (widget.host) return fn.apply(null, args);
      document.addEventListener("DOMContentLoaded", function () { fn.apply(null, args); });
      return undefined;
    };
  }

  var api = {
    version: VERSION,
    init: init,
    open: ready(function (options) { widget.open(options || {}); }),
    close: ready(function () { widget.close(); }),
    toggle: ready(function () { widget.isOpen ? widget.close() : widget.open(); }),
    send: ready(function (text) { widget.open(); return widget.sendText(text); }),
    // For tests and debugging: the conversation as shown.
    history: ready(function () { return widget.entries(); })
  };
  window.ExportHelpChat = api;

  if (readConfig().autoInit) init();
})();
