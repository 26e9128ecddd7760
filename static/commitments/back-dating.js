/* The add form of a status update says, as its date is typed or its commitment chosen, that the
   update will be stale the day it is approved ("dated 31 Aug 2026: 96 days old, due every 90
   days"): the rule of StatusUpdate.back_dating, which the review queue and the message after
   saving say too. The date field carries what the rule needs (StatusUpdateAdmin.get_form):
   today, and each commitment's cadence in days. Its words come from the page's JavaScript
   catalog (the admin's jsi18n, which Django's change form loads before the form's scripts). */
(function () {
  "use strict";

  var DAY = 24 * 60 * 60 * 1000;
  // As the server writes a date ("%d %b %Y"): browsers' en-GB may write September "Sept".
  var MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

  function shown(time) {
    var date = new Date(time);
    var lang = document.documentElement.lang || "en";
    if (!/^en\b/.test(lang) && window.Intl) {
      return new Intl.DateTimeFormat(lang, {
        day: "2-digit", month: "short", year: "numeric", timeZone: "UTC",
      }).format(date);
    }
    var day = String(date.getUTCDate()).padStart(2, "0");
    return day + " " + MONTHS[date.getUTCMonth()] + " " + date.getUTCFullYear();
  }

  function isoDay(text) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
    return match ? Date.UTC(+match[1], match[2] - 1, +match[3]) : null;
  }

  function backDating(date, commitment, note) {
    var dueEvery = JSON.parse(date.dataset.dueEvery)[commitment.value];
    var asOf = isoDay(date.value);
    var age = asOf === null ? null : Math.round((isoDay(date.dataset.today) - asOf) / DAY);
    if (dueEvery === undefined || age === null || age <= dueEvery) {
      note.textContent = "";
      note.hidden = true;
      return;
    }
    note.textContent = interpolate(
      gettext("Back-dated: dated %(date)s: %(age)s days old, due every %(due)s days, so it will be stale the day it is approved."),
      { date: shown(asOf), age: age, due: dueEvery },
      true
    );
    note.hidden = false;
  }

  document.addEventListener("DOMContentLoaded", function () {
    var date = document.getElementById("id_as_of");
    var commitment = document.getElementById("id_commitment");
    if (!date || !commitment || !date.dataset.dueEvery) {
      return;
    }
    var note = document.createElement("div");
    note.id = "back-dating";
    note.className = "help back-dating";
    note.setAttribute("role", "status");
    note.hidden = true;
    date.parentElement.appendChild(note);
    var update = function () { backDating(date, commitment, note); };
    date.addEventListener("input", update);
    date.addEventListener("change", update);
    // The calendar's "Today" and picked days set the value without an event of their own.
    date.parentElement.addEventListener("click", function () { setTimeout(update, 0); });
    // The commitment picker (select2) tells its changes through jQuery only.
    if (window.django && window.django.jQuery) {
      window.django.jQuery(commitment).on("change", update);
    }
    commitment.addEventListener("change", update);
    update();
  });
})();
