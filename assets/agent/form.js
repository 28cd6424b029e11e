// The capture form: every control is named by its JSON path in the published
// ApplicationRequest (domain/intake_schema.py), so the server's per-field errors land on the
// right control. The checks here mirror the schema for a quick answer offline; the server
// checks everything again (and what only it knows: the product today, accounts, age rules).

const STATES = ("AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS " +
  "MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR").split(" ");
const DECIMAL = /^[0-9]{1,10}(\.[0-9]{1,2})?$/;
const CHECKS = {
  "amount": [DECIMAL, "must be an amount such as 5000.00"],
  "applicant.monthly_income": [DECIMAL, "must be an amount such as 4200.00"],
  "applicant.ssn_last4": [/^[0-9]{4}$/, "must be the last 4 digits of the Social Security number"],
  "applicant.email": [/^[^@\s]+@[^@\s]+\.[^@\s]+$/, "is not an e-mail address"],
  "applicant.phone": [/^\+?[0-9 ()-]{7,20}$/, "is not a phone number"],
  "applicant.address.postal_code": [/^[0-9]{5}(-[0-9]{4})?$/,
    "must be a 5-digit ZIP code (or ZIP+4)"],
  "applicant.date_of_birth": [/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, "must be a date"],
};
const INTEGERS = ["term", "applicant.employment.months_employed"];
const OPTIONAL = ["purpose", "applicant.employment.employer",
  "applicant.employment.months_employed"];

export const form = () => document.getElementById("capture");
const controls = () => [...form().elements].filter((el) => el.name);
const control = (path) => form().elements.namedItem(path);

export function setupStates() {
  const select = control("applicant.address.state");
  select.replaceChildren(new Option("Choose…", ""), ...STATES.map((s) => new Option(s, s)));
}

/** Fill the product dropdown (and the range hints) from the cached product list. */
export function setProducts(products) {
  const select = control("product_code");
  const chosen = select.value;
  select.replaceChildren(new Option(products.length ? "Choose…" : "No products cached yet", ""),
    ...products.map((p) => new Option(`${p.name} (${p.code})`, p.code)));
  if (chosen) select.value = chosen;
  select.onchange = () => showRange(products);
  showRange(products);
}

function showRange(products) {
  const p = products.find((x) => x.code === control("product_code").value);
  const money = (v) => Number(v).toLocaleString("en-US", { style: "currency", currency: "USD" });
  document.getElementById("h-product_code").textContent =
    p ? `${p.annual_rate}% a year, ${p.frequency} payments` : "";
  document.getElementById("h-amount").textContent =
    p ? `From ${money(p.min_amount)} to ${money(p.max_amount)}` : "In dollars, e.g. 5000.00";
  document.getElementById("h-term").textContent = p ? `${p.min_term} to ${p.max_term} payments` : "";
  form().dataset.range = p ? JSON.stringify(p) : "";
}

function setPath(obj, path, value) {
  const parts = path.split(".");
  let at = obj;
  for (const p of parts.slice(0, -1)) at = at[p] ??= {};
  at[parts.at(-1)] = value;
}

function getPath(obj, path) {
  return path.split(".").reduce((at, p) => (at == null ? undefined : at[p]), obj);
}

/** The request body as the API takes it (values trimmed, optional empties left out). */
export function collect() {
  const body = {};
  for (const el of controls()) {
    let value = el.type === "checkbox" ? el.checked : el.value.trim();
    if (el.name === "amount" || el.name === "applicant.monthly_income") {
      value = value.replace(/[,$\s]/g, "");  // "$5,000" as typed: 5000
    }
    if (value === "" && OPTIONAL.includes(el.name)) continue;
    if (INTEGERS.includes(el.name) && /^[0-9]+$/.test(value)) value = Number(value);
    if (el.name === "product_code") value = value.toUpperCase();
    setPath(body, el.name, value);
  }
  return body;
}

/** Put a saved body back into the form (to fix it). */
export function fill(body) {
  for (const el of controls()) {
    const v = getPath(body, el.name);
    if (el.type === "checkbox") el.checked = v === true;
    else el.value = v === undefined ? "" : String(v);
  }
  control("product_code").dispatchEvent(new Event("change"));
}

/** Errors by JSON path for what can be checked on the device; {} when all is well. */
export function validate(body) {
  const errors = {};
  for (const el of controls()) {
    const v = getPath(body, el.name);
    if (el.required && (v === undefined || v === "" || v === false)) {
      errors[el.name] = el.type === "checkbox" ? "must be ticked" : "is required";
    } else if (v !== undefined && v !== "" && CHECKS[el.name] &&
               !CHECKS[el.name][0].test(String(v))) {
      errors[el.name] = CHECKS[el.name][1];
    } else if (INTEGERS.includes(el.name) && v !== undefined && typeof v !== "number") {
      errors[el.name] = "must be a whole number";
    }
  }
  const born = body.applicant.date_of_birth;
  if (!errors["applicant.date_of_birth"] && born) {
    const [y, m, d] = born.split("-").map(Number);
    const now = new Date();
    const month = now.getMonth() + 1;
    const hadBirthday = month > m || (month === m && now.getDate() >= d);
    const age = now.getFullYear() - y - (hadBirthday ? 0 : 1);
    if (age < 18) errors["applicant.date_of_birth"] = "the applicant must be 18 or older";
  }
  const range = form().dataset.range ? JSON.parse(form().dataset.range) : null;
  if (range && !errors.amount) {
    const a = Number(body.amount);
    if (a < Number(range.min_amount) || a > Number(range.max_amount)) {
      errors.amount = `must be between ${range.min_amount} and ${range.max_amount}`;
    }
  }
  if (range && !errors.term && (body.term < range.min_term || body.term > range.max_term)) {
    errors.term = `must be between ${range.min_term} and ${range.max_term} payments`;
  }
  return errors;
}

/** The label a person sees for a JSON path ("applicant.address.postal_code" → "ZIP code"). */
export function labelFor(path) {
  const el = control(path);
  const label = el && document.querySelector(`label[for="${el.id}"]`);
  return label ? label.textContent.trim() : path;
}

/** Show errors beside their fields and in a summary at the top; focus the summary. */
export function showErrors(errors, heading) {
  for (const el of controls()) {
    el.removeAttribute("aria-invalid");
    const slot = document.getElementById(`e-${el.name}`);
    if (slot) slot.textContent = "";
  }
  const box = document.getElementById("form-errors");
  const entries = Object.entries(errors);
  box.hidden = entries.length === 0;
  if (!entries.length) return;
  const list = document.createElement("ul");
  for (const [path, reason] of entries) {
    const el = control(path);
    const slot = document.getElementById(`e-${path}`);
    if (el) el.setAttribute("aria-invalid", "true");
    if (slot) slot.textContent = `${labelFor(path)} ${reason}`;
    const li = document.createElement("li");
    const text = `${labelFor(path)}: ${reason}`;
    if (el) {  // a link that takes the agent to the field
      const a = Object.assign(document.createElement("a"), { href: `#${el.id}`, textContent: text });
      a.addEventListener("click", (e) => { e.preventDefault(); el.focus(); });
      li.append(a);
    } else li.textContent = text;
    list.append(li);
  }
  const title = document.createElement("strong");
  title.textContent = heading;
  box.replaceChildren(title, list);
  box.focus();
}

export function reset() {
  form().reset();
  showErrors({}, "");
  control("product_code").dispatchEvent(new Event("change"));
}
