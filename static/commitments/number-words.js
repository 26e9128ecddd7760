/* A large number in words beside the field it is typed in ("21.5 billion"), so that a zero too
   many or too few shows before the form is saved. The fields are commitments.numbers'
   GroupedDecimalField: each carries the pattern the server checks with, so both agree on what
   is a number. */
(function () {
  "use strict";

  var SCALES = [
    [1e12, "trillion"],
    [1e9, "billion"],
    [1e6, "million"],
    [1e3, "thousand"],
  ];

  function inWords(number) {
    var size = Math.abs(number);
    for (var i = 0; i < SCALES.length; i++) {
      if (size >= SCALES[i][0]) {
        var exact = number / SCALES[i][0];
        var shown = Math.round(exact * 1000) / 1000;
        return (shown === exact ? "" : "about ") + shown + " " + SCALES[i][1];
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
      output.textContent = "Not a number as typed: a point for decimals (2.5), commas or spaces for thousands.";
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
