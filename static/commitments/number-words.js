/* A large number in words beside the field it is typed in ("21.5 billion"), so that a zero too
   many or too few shows before the form is saved. The fields are commitments.numbers'
   GroupedDecimalField: each carries the pattern the server checks with, so both agree on what
   is a number. Its words come from the page's JavaScript catalog (the admin's jsi18n, loaded
   before the form's scripts), its numbers are written as the page's language writes them. */
(function () {
  "use strict";

  // Each scale's words, singular and plural, for ngettext ("%(number)s billion").
  var SCALES = [
    [1e12, function (n) { return ngettext("%(number)s trillion", "%(number)s trillion", n); }],
    [1e9, function (n) { return ngettext("%(number)s billion", "%(number)s billion", n); }],
    [1e6, function (n) { return ngettext("%(number)s million", "%(number)s million", n); }],
    [1e3, function (n) { return ngettext("%(number)s thousand", "%(number)s thousand", n); }],
  ];

  function written(number) {
    var lang = document.documentElement.lang || "en";
    if (/^en\b/.test(lang) || !window.Intl) {
      return String(number);
    }
    return new Intl.NumberFormat(lang, { maximumFractionDigits: 3 }).format(number);
  }

  function inWords(number) {
    var size = Math.abs(number);
    for (var i = 0; i < SCALES.length; i++) {
      if (size >= SCALES[i][0]) {
        var exact = number / SCALES[i][0];
        var shown = Math.round(exact * 1000) / 1000;
        // The plural as of the whole part: "1.5 million" is singular in French too.
        var whole = Math.floor(Math.abs(shown));
        var words = interpolate(SCALES[i][1](whole), { number: written(shown) }, true);
        return shown === exact ? words : interpolate(gettext("about %(amount)s"), { amount: words }, true);
      }
    }
    return "";
  }

  function describe(input, output) {
    var typed = input.value.trim();
    output.classList.remove("number-words-error");
    if (typed === "") {
      output.textContent = "";
    } else if (new RegExp(input.dataset.numberPattern).test(typed)) {
      output.textContent = inWords(Number(typed.replace(/[^\d.-]/g, "")));
    } else {
      output.textContent = gettext("Not a number as typed: a point for decimals (2.5), commas or spaces for thousands.");
      output.classList.add("number-words-error");
    }
  }

  function attach(input) {
    var output = document.createElement("span");
    output.className = "number-words";
    output.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", output);
    input.addEventListener("input", function () {
      describe(input, output);
    });
    describe(input, output);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("input[data-number-pattern]").forEach(attach);
  });
})();
