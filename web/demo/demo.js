(function () {
  var texts = {
    sv: {
      skip: "Hoppa till innehållet", business: "Företag", heading: "Korttransaktioner",
      lead: "Företagskort •••• 4821 · exporteras till Fortnox", listHeading: "Mars 2024",
      exported: "Exporterad", failed: "Export misslyckades", help: "Få hjälp",
      note: "Det här är en demosida. Chattbubblan i hörnet är exportassistenten."
    }
  };
  var lang = document.documentElement.lang;
  if (texts[lang]) {
    document.title = "Korttransaktioner – " + document.documentElement.getAttribute("data-bank") + " Företag (demo)";
    document.querySelectorAll("[data-text]").forEach(function (node) {
      var text = texts[lang][node.getAttribute("data-text")];
      if (text) node.textContent = text;
    });
  }
  // Language links keep ?server=...
  document.querySelectorAll("a[data-keep-query]").forEach(function (a) {
    var query = new URLSearchParams(location.search);
    query.set("lang", new URLSearchParams(a.getAttribute("href").slice(1)).get("lang"));
    a.href = "?" + query.toString();
    if (a.lang === lang) a.setAttribute("aria-current", "true");
  });

  // "Get help" on a failed transaction: open the chat about it.
  document.querySelectorAll("button[data-help]").forEach(function (button) {
    button.addEventListener("click", function () {
      var row = document.getElementById(button.getAttribute("data-help"));
      window.ExportHelpChat.open({
        transaction: {
          id: row.dataset.id,
          date: row.dataset.date,
          amount: row.dataset.amount,
          merchant: row.dataset.merchant,
          accountingSystem: row.dataset.accountingSystem,
          error: row.querySelector(".tx-error-text").textContent
        }
      });
    });
  });
})();
