// The Contributions page: who contributes what to which commitment, and where the money stands
// (pledged → committed → disbursed), from the API's contribution matrix alone.
//
// A page module of the dashboard (see dashboard.js, "other pages"): the shell imports it and
// hands it its helpers. Its first view takes three requests (the pillars and the kinds, for the
// filters, and the matrix); a change of filters one (the matrix). The filters live in the
// address, so a link reproduces the view.
//
// Money is never added across currencies, nor across stages of the funnel (a disbursement is
// often the very money pledged before): every amount is shown per currency and per stage, each
// stage as the API counts it, what reached it (so pledged ≥ committed ≥ disbursed).

const FILTERS = ["pillar", "kind", "since", "until"];
const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

let kit; // the shell's helpers, given to render()
let KIND_LABELS = {};
let STAGE_LABELS = {}; // "pledged" -> "Funds pledged", from the kinds the API serves
let STAGES = []; // the funnel's stages, in the order money moves

// --- amounts -------------------------------------------------------------------------------

/** "0.00", "0", "" and the like: nothing at that stage. */
function isZero(amount) {
  return !/[1-9]/.test(amount);
}

/** How far `amount` goes towards `whole`, both decimal strings, in whole percent (for a bar's
 * length and a rounded share, where a double's precision is plenty). */
function share(amount, whole) {
  const total = Number(whole);
  return total > 0 ? (Number(amount) / total) * 100 : 0;
}

/** A stage's name ("pledged"), from the kind's label the API gives ("Funds pledged"). */
function stageLabel(stage) {
  return (STAGE_LABELS[stage] || stage).replace(/^Funds /, "");
}

/** A stage's name as a heading: the kind's label less "Funds " where the API's is English
 * ("Pledged"), else the label as the API translated it. */
function stageHeading(stage) {
  const label = stageLabel(stage);
  return label.charAt(0).toLocaleUpperCase(kit.LANGUAGE) + label.slice(1);
}

// --- the view in the address ---------------------------------------------------------------

/** The filters the address asks for; a malformed date is left out rather than sent. */
function currentView() {
  const params = new URLSearchParams(window.location.search);
  const filters = Object.fromEntries(FILTERS.map((name) => [name, params.get(name) || ""]));
  for (const name of ["since", "until"]) if (!ISO_DATE.test(filters[name])) filters[name] = "";
  return filters;
}

function viewUrl(filters) {
  return `${window.location.pathname}${kit.query(filters)}`;
}

function isFiltered(filters) {
  return FILTERS.some((name) => filters[name]);
}

function sameFilters(a, b) {
  return FILTERS.every((name) => a[name] === b[name]);
}

function loadMatrix(filters) {
  return kit.getJSON(`${kit.API}contributions/matrix/${kit.query(filters)}`);
}

// --- drawing ------------------------------------------------------------------------------

/** Totals as a list: money per currency and stage (stages with none left out), then counts
 * per kind and unit. Each item carries the API's own values as data attributes. */
function totalsList(totals) {
  const { el } = kit;
  const items = [];
  for (const funds of totals.funds) {
    for (const stage of STAGES) {
      if (isZero(funds[stage])) continue;
      items.push(
        el(
          "li",
          { "data-currency": funds.currency, "data-stage": stage, "data-amount": funds[stage] },
          el("span", { class: "stage-name" }, stageHeading(stage)),
          " ",
          el("span", { class: "amount" }, kit.money(funds[stage], funds.currency)),
        ),
      );
    }
  }
  for (const counted of totals.counts) {
    items.push(
      el(
        "li",
        { "data-kind": counted.kind, "data-unit": counted.unit, "data-count": counted.count },
        el("span", { class: "stage-name" }, KIND_LABELS[counted.kind] || counted.kind),
        " ",
        el("span", { class: "amount" }, kit.fill(gettext("%(count)s %(unit)s"), { count: kit.number(counted.count), unit: counted.unit })),
      ),
    );
  }
  return items.length ? el("ul", { class: "amounts" }, items) : el("span", { class: "none" }, "—");
}

/** A table's body, a row per item: `row(item)` gives [the row's attributes, the text of its
 * header cell, ...its other cells]. */
function tableBody(items, row) {
  const { el } = kit;
  return el(
    "tbody",
    {},
    items.map((item) => {
      const [attributes, name, ...cells] = row(item);
      return el("tr", attributes, el("th", { scope: "row" }, name), ...cells);
    }),
  );
}

function commitmentLink(code) {
  return kit.el("a", { href: `/commitments/${encodeURIComponent(code)}/` }, code);
}

function renderOverall(matrix) {
  const { el } = kit;
  return el(
    "section",
    { id: "contribution-totals", "aria-label": gettext("Totals of this view") },
    el(
      "dl",
      { class: "totals" },
      el("div", {}, el("dt", {}, gettext("Contributions")), el("dd", { "data-total": "contributions" }, kit.number(matrix.overall.contributions))),
      el("div", {}, el("dt", {}, gettext("Partners")), el("dd", { "data-total": "partners" }, kit.number(matrix.partners.length))),
      el("div", {}, el("dt", {}, gettext("Commitments")), el("dd", { "data-total": "commitments" }, kit.number(matrix.commitments.length))),
      el("div", {}, el("dt", {}, gettext("Pillars")), el("dd", { "data-total": "pillars" }, kit.number(matrix.pillars.length))),
    ),
  );
}

/** Partners (rows) by commitments (columns); each row ends with the partner's total, and the
 * last row holds each commitment's total and the overall one. */
function renderMatrix(matrix) {
  const { el, section } = kit;
  const cells = new Map(matrix.cells.map((cell) => [`${cell.partner} ${cell.commitment}`, cell.totals]));
  return section(
    "matrix",
    gettext("Partners by commitments"),
    el(
      "div",
      { class: "table-scroll" },
      el(
        "table",
        { class: "matrix" },
        el(
          "caption",
          { class: "table-caption" },
          kit.fill(gettext("What each partner contributes to each commitment: %(partners)s, %(commitments)s."), {
            partners: kit.fill(ngettext("%(count)s partner", "%(count)s partners", matrix.partners.length), { count: kit.number(matrix.partners.length) }),
            commitments: kit.fill(ngettext("%(count)s commitment", "%(count)s commitments", matrix.commitments.length), { count: kit.number(matrix.commitments.length) }),
          }),
          " ",
          gettext("Money is per currency and per stage, never added across either; each stage counts the money that has reached it (see the funnel below). Other contributions are counted per unit."),
        ),
        el(
          "thead",
          {},
          el(
            "tr",
            {},
            el("th", { scope: "col" }, gettext("Partner")),
            matrix.commitments.map((commitment) =>
              el("th", { scope: "col", "data-commitment": commitment.code }, commitmentLink(commitment.code), el("span", { class: "commitment-title" }, commitment.title)),
            ),
            el("th", { scope: "col", class: "total" }, gettext("Partner total")),
          ),
        ),
        tableBody(matrix.partners, (partner) => [
          { "data-partner": partner.slug },
          partner.name,
          matrix.commitments.map((commitment) => {
            const totals = cells.get(`${partner.slug} ${commitment.code}`);
            return el("td", { "data-cell": `${partner.slug} ${commitment.code}` }, totals ? totalsList(totals) : el("span", { class: "none" }, "—"));
          }),
          el("td", { class: "total", "data-total": "partner" }, totalsList(partner.totals)),
        ]),
        el(
          "tfoot",
          {},
          el(
            "tr",
            {},
            el("th", { scope: "row" }, gettext("Commitment total")),
            matrix.commitments.map((commitment) => el("td", { class: "total", "data-total": "commitment", "data-commitment": commitment.code }, totalsList(commitment.totals))),
            el("td", { class: "total", "data-total": "overall" }, totalsList(matrix.overall)),
          ),
        ),
      ),
    ),
  );
}

function renderPillars(matrix) {
  const { el, section } = kit;
  return section(
    "contribution-pillars",
    gettext("By pillar"),
    el(
      "div",
      { class: "table-scroll", tabindex: "0" }, // scrolled from the keyboard too
      el(
        "table",
        { class: "pillar-totals" },
        el("caption", { class: "table-caption" }, gettext("What the commitments of each pillar receive, per currency and stage, and per unit.")),
        el("thead", {}, el("tr", {}, [gettext("Pillar"), gettext("Contributions"), gettext("Totals")].map((name) => el("th", { scope: "col" }, name)))),
        tableBody(matrix.pillars, (pillar) => [
          { "data-pillar": pillar.slug },
          pillar.name,
          el("td", { "data-count": "contributions" }, kit.number(pillar.totals.contributions)),
          el("td", { "data-total": "pillar" }, totalsList(pillar.totals)),
        ]),
      ),
    ),
  );
}

/** A stage of the funnel: its amount as text, the share of the pledge it has reached, and a
 * bar as long as its share of the row's largest stage (decoration: the text says it all). */
function stageCell(funds, stage, largest) {
  const { el } = kit;
  const amount = funds[stage];
  const pledged = funds[STAGES[0]];
  const fill = el("span", { class: `fill stage-${stage}` });
  fill.style.width = `${share(amount, largest)}%`; // CSSOM, which a Content-Security-Policy allows
  return el(
    "td",
    { "data-stage": stage, "data-currency": funds.currency, "data-amount": amount },
    el("span", { class: "amount" }, kit.money(amount, funds.currency)),
    stage !== STAGES[0] && !isZero(pledged) ? el("span", { class: "share" }, kit.fill(gettext("%(share)s of pledged"), { share: kit.percent(Math.round(share(amount, pledged))) })) : null,
    el("span", { class: "bar", "aria-hidden": "true" }, fill),
  );
}

/** The funnel of each group (partners or commitments) that has money: a row per currency. */
function funnelTable(groups, { what, none, key, name, caption }) {
  const { el } = kit;
  const rows = groups.filter((group) => group.totals.funds.length);
  if (!rows.length) return el("p", { class: "empty" }, none);
  return el(
    "div",
    { class: "table-scroll", tabindex: "0" }, // scrolled from the keyboard too
    el(
      "table",
      { class: "funnel", "data-funnel": key },
      el("caption", { class: "table-caption" }, caption),
      el(
        "thead",
        {},
        el(
          "tr",
          {},
          el("th", { scope: "col" }, what),
          el("th", { scope: "col" }, gettext("Currency")),
          STAGES.map((stage) => el("th", { scope: "col", class: "stage" }, stageHeading(stage))),
        ),
      ),
      el(
        "tbody",
        {},
        rows.flatMap((group) =>
          group.totals.funds.map((funds, index) => {
            const largest = STAGES.map((stage) => funds[stage]).reduce((a, b) => (Number(b) > Number(a) ? b : a));
            return el(
              "tr",
              { [`data-${key}`]: group[key === "partner" ? "slug" : "code"], "data-currency": funds.currency },
              index === 0 ? el("th", { scope: "row", rowspan: group.totals.funds.length }, name(group)) : null,
              el("td", {}, funds.currency),
              STAGES.map((stage) => stageCell(funds, stage, largest)),
            );
          }),
        ),
      ),
    ),
  );
}

function renderFunnel(matrix) {
  const { el, section } = kit;
  const note = gettext("Each bar is as long as its share of the row's largest stage; currencies are never compared or added.");
  return section(
    "funnel",
    kit.fill(gettext("Money: pledged %(arrow)s committed %(arrow)s disbursed"), { arrow: kit.FORWARD }),
    // What the API's funnel counts (contributions/matrix/): no stage contradicts another.
    el(
      "p",
      { class: "funnel-note" },
      gettext(
        "Each stage counts the money that has reached it: money disbursed has also been committed and pledged, even where only its disbursement was recorded. Percentages are shares of the amount pledged.",
      ),
    ),
    el("h3", {}, gettext("Per partner")),
    funnelTable(matrix.partners, {
      what: gettext("Partner"),
      none: gettext("No money recorded for any partner in this view."),
      key: "partner",
      name: (partner) => partner.name,
      caption: `${gettext("Each partner's money, per currency, at each stage.")} ${note}`,
    }),
    el("h3", {}, gettext("Per commitment")),
    funnelTable(matrix.commitments, {
      what: gettext("Commitment"),
      none: gettext("No money recorded for any commitment in this view."),
      key: "commitment",
      name: (commitment) => [commitmentLink(commitment.code), " ", commitment.title],
      caption: `${gettext("Each commitment's money, per currency, at each stage.")} ${note}`,
    }),
  );
}

function renderEmpty(filters) {
  const { el, section } = kit;
  const message = isFiltered(filters)
    ? gettext("No contribution matches these filters.")
    : gettext("No contributions have been recorded yet. Once analysts record what partners pledge, commit, disburse or provide, the matrix and the money funnel appear here.");
  return section("matrix", gettext("Partners by commitments"), el("p", { class: "empty" }, message));
}

function renderResults(matrix, filters) {
  if (!matrix.overall.contributions) return [renderEmpty(filters)];
  return [renderOverall(matrix), renderMatrix(matrix), renderPillars(matrix), renderFunnel(matrix)];
}

function renderFilters(pillars, kinds, filters, onChange) {
  const { el, filterField, filterSelect } = kit;
  const select = (name, label, options) => filterSelect(name, label, options, filters);
  const date = (name, label) => filterField(name, label, el("input", { type: "date", id: `filter-${name}`, name, value: filters[name] }));
  const form = el(
    "form",
    { id: "filters", class: "filters", role: "search", "aria-label": gettext("Filter contributions") },
    select("pillar", gettext("Pillar"), pillars.map((pillar) => [pillar.slug, pillar.name])),
    select("kind", gettext("Kind"), kinds.map((kind) => [kind.value, kind.label])),
    date("since", gettext("Made on or after")),
    date("until", gettext("Made on or before")),
    el("button", { type: "reset", class: "button secondary" }, gettext("Clear filters")),
  );
  const chosen = () => Object.fromEntries(FILTERS.map((name) => [name, form.elements[name].value]));
  form.addEventListener("change", () => onChange(chosen()));
  form.addEventListener("submit", (event) => {
    event.preventDefault(); // Enter in a date field: the change has been applied already
    onChange(chosen());
  });
  form.addEventListener("reset", (event) => {
    event.preventDefault();
    onChange(Object.fromEntries(FILTERS.map((name) => [name, ""])));
  });
  return form;
}

// --- the page -----------------------------------------------------------------------------

export async function render(shell) {
  kit = shell;
  const { main, el, getJSON, API } = kit;
  let filters = currentView();
  const [pillars, kinds, first] = await Promise.all([getJSON(`${API}pillars/`), getJSON(`${API}contribution-kinds/`), loadMatrix(filters)]);
  KIND_LABELS = Object.fromEntries(kinds.map((kind) => [kind.value, kind.label]));
  STAGE_LABELS = Object.fromEntries(kinds.filter((kind) => kind.stage).map((kind) => [kind.stage, kind.label]));
  STAGES = kinds.filter((kind) => kind.stage).map((kind) => kind.stage);

  const results = el("div", { id: "results", "aria-live": "polite", "aria-busy": "false" }, renderResults(first, filters));
  let latestRequest = 0;
  let wanted = filters; // the filters of the latest request, drawn or on its way

  /** Draws the view of `next` filters: one request, for the matrix. */
  async function show(next, { push }) {
    if (push) window.history.pushState(null, "", viewUrl(next));
    for (const name of FILTERS) form.elements[name].value = next[name];
    results.setAttribute("aria-busy", "true");
    main.dataset.state = "updating";
    const request = ++latestRequest;
    wanted = next;
    const matrix = await loadMatrix(next);
    // A slower answer to an earlier change must not replace the view of a later one.
    if (request !== latestRequest) return;
    filters = next;
    results.replaceChildren(...renderResults(matrix, filters));
    results.setAttribute("aria-busy", "false");
    main.dataset.state = "ready";
  }

  const onChange = (next) => {
    if (!sameFilters(next, wanted)) show(next, { push: true }).catch(kit.fail);
  };
  const form = renderFilters(pillars, kinds, filters, onChange);
  window.onpopstate = () => show(currentView(), { push: false }).catch(kit.fail);

  main.replaceChildren(
    el("h1", {}, gettext("Contributions to the Paris Roadmap")),
    el(
      "p",
      { class: "lede" },
      gettext(
        "What each partner contributes to each commitment — money pledged, committed and disbursed, personnel, training, equipment and more — as analysts record it. A correction replaces what it corrects.",
      ),
    ),
    form,
    results,
  );
}
