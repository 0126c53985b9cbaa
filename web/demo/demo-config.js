// Demo only: ?server=http://localhost:5205 points the chat at another Rasa server
// (the browser tests use it) and ?lang=sv shows the page and the chat in Swedish.
// A real page sets data-server-url on the script tag instead.  The pages server refuses a
// ?server= not on its allow-list (WIDGET_SERVERS), and the CSP lets the page connect to
// those servers only (bot/ops/page_security.py).
(function () {
  var query = new URLSearchParams(location.search);
  var config = {};
  var server = query.get("server");
  if (server && /^https?:\/\/[^\s]+$/.test(server)) config.serverUrl = server;
  var lang = query.get("lang");
  if (lang === "sv" || lang === "en") {
    document.documentElement.lang = lang;
  }
  window.ExportHelpChatConfig = config;
})();
