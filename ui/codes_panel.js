// The codes panel of dazi's Code page (ui/codes_panel.py): every variable of the codebook for
// one post, the memo, "uncertain" and Save & next.  It keeps its own state: choosing a code
// changes only this panel (no round trip to the server, nothing re-rendered, focus stays
// where the coder clicked), and Save & next sends the whole coding at once.  Unsaved
// choices are kept in the tab's sessionStorage per post, so a reload, a server restart or a
// Skip does not lose them.  Every text is set with textContent: nothing is read as HTML.
//
// Keys (not while typing in a box): 1-9, 0 choose the 1st-10th code of the outlined
// variable (a single choice then moves on); Enter / Shift+Enter next / previous variable;
// Ctrl+Enter (also in the memo) Save & next.
export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  if (!data) return;
  let root = parentElement.querySelector(":scope > .dzc");
  if (!root) {
    root = document.createElement("div");
    root.className = "dzc";
    parentElement.appendChild(root);
  }
  const held = root.__dz;
  if (held && held.post === data.post && held.rev === data.rev) {
    held.send = setTriggerValue; // (a reconnected session may hand the same data to a new instance)
    return;
  }
  const fresh = !held || held.post !== data.post;
  const panel = fresh ? newPanel(root, data, setTriggerValue) : held;
  panel.rev = data.rev;
  panel.send = setTriggerValue;
  panel.busy = false;
  panel.saveButtons.forEach((b) => (b.disabled = false));
  panel.error.textContent = data.error || "";
  panel.error.hidden = !data.error;
  panel.saved.textContent = data.saved || "";
  root.__dz = panel;
  window.__dzPanel = panel;
  installKeys();
  if (fresh) {
    // the new post starts at the top of the page (the page scrolls inside stMain, not window)
    const main = document.querySelector('[data-testid="stMain"]');
    if (main) main.scrollTop = 0;
    window.scrollTo(0, 0);
    const active = document.activeElement;
    if (active && active !== document.body && (active.tagName === "TEXTAREA" || active.tagName === "INPUT")) {
      active.blur(); // a new post starts with its codes, not the memo
    }
  }
  root.dataset.post = String(data.post);
  root.dataset.rev = String(data.rev);
}

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined && text !== null) node.textContent = text;
  return node;
}

function same(a, b) {
  return JSON.stringify(a) === JSON.stringify(b);
}

function newPanel(root, data, send) {
  root.replaceChildren();
  const storeKey = "dz:draft:" + data.draft;
  const base = { values: data.values, memo: data.memo || "", uncertain: !!data.uncertain };
  let start = base;
  try {
    const saved = JSON.parse(sessionStorage.getItem(storeKey) || "null");
    if (saved && same(saved.base, base)) start = saved.now; // unsaved choices of this post
  } catch (e) { /* no storage: start from the saved coding */ }
  const panel = {
    post: data.post, rev: data.rev, send, busy: false, values: { ...start.values }, vars: data.vars,
    boxes: [], byId: {}, current: 0, saveButtons: [], storeKey, base,
  };

  const list = el("div", "dzc-vars");
  data.vars.forEach((v, i) => {
    const box = el("div", "dzc-var");
    box.dataset.var = v.id;
    box.dataset.kind = v.kind;
    const head = el("div", "dzc-head");
    head.appendChild(el("span", "dzc-label", v.label));
    if (v.help) {
      const more = el("details", "dzc-more");
      more.appendChild(el("summary", null, "ⓘ codebook"));
      more.appendChild(el("div", "dzc-help", v.help));
      head.appendChild(more);
    }
    box.appendChild(head);
    if (v.hint) box.appendChild(el("div", "dzc-hint", "💡 keywords suggest: " + v.hint));
    if (v.kind === "single" || v.kind === "multi") {
      const codes = el("div", "dzc-codes");
      codes.setAttribute("role", v.kind === "single" ? "radiogroup" : "group");
      codes.setAttribute("aria-label", v.label);
      v.codes.forEach(([id, label], n) => {
        const b = el("button", "dzc-code", `${n + 1} · ${label}`);
        b.type = "button";
        b.dataset.code = id;
        b.addEventListener("click", () => choose(panel, i, id, false));
        codes.appendChild(b);
      });
      box.appendChild(codes);
    } else {
      const input = el("input", "dzc-input");
      input.type = v.kind === "number" ? "number" : "text";
      if (v.kind === "number") {
        input.step = "any";
        if (v.min !== null && v.min !== undefined) input.min = String(v.min);
        if (v.max !== null && v.max !== undefined) input.max = String(v.max);
      }
      input.setAttribute("aria-label", v.label);
      const value = panel.values[v.id];
      input.value = value === null || value === undefined ? "" : String(value);
      input.addEventListener("input", () => {
        const raw = input.value.trim();
        panel.values[v.id] = v.kind === "number" ? (raw === "" || isNaN(Number(raw)) ? null : Number(raw))
                                                 : (raw === "" ? null : input.value);
        keep(panel);
        refresh(panel);
      });
      box.appendChild(input);
    }
    box.addEventListener("pointerdown", () => setCurrent(panel, i, false), true);
    box.addEventListener("focusin", () => setCurrent(panel, i, false));
    panel.boxes.push(box);
    panel.byId[v.id] = box;
    list.appendChild(box);
  });
  root.appendChild(list);

  const memoBox = el("div", "dzc-memo");
  const memoLabel = el("label", "dzc-label", "Memo");
  const memo = el("textarea", "dzc-memo-text");
  memo.rows = 2;
  memo.placeholder = "Why this code? Anything to discuss?";
  memo.value = start.memo || "";
  memo.id = "dzc-memo-" + data.post;
  memoLabel.htmlFor = memo.id;
  memo.addEventListener("input", () => keep(panel));
  memoBox.append(memoLabel, memo);
  const flag = el("label", "dzc-flag");
  const tick = el("input");
  tick.type = "checkbox";
  tick.checked = !!start.uncertain;
  tick.addEventListener("change", () => keep(panel));
  flag.append(tick, document.createTextNode(" Uncertain: flag for discussion"));
  memoBox.appendChild(flag);
  root.appendChild(memoBox);
  panel.memo = memo;
  panel.tick = tick;

  panel.error = el("div", "dzc-error");
  panel.error.setAttribute("role", "alert");
  root.appendChild(panel.error);

  const bar = el("div", "dzc-bar");
  const save = el("button", "dzc-save", "Save & next");
  save.type = "button";
  save.title = "Ctrl+Enter";
  save.addEventListener("click", () => submit(panel));
  const status = el("span", "dzc-status");
  const saved = el("span", "dzc-saved");
  saved.setAttribute("role", "status");
  bar.append(save, status, saved);
  panel.saved = saved;
  root.appendChild(bar);
  panel.saveButtons = [save];
  panel.status = status;
  refresh(panel);
  return panel;
}

function applicable(panel, v, depth = 0) {
  if (!v.cond || depth > 20) return true;
  for (const [ref, accepted] of Object.entries(v.cond)) {
    const target = panel.vars.find((x) => x.id === ref);
    if (!target || !applicable(panel, target, depth + 1)) return false;
    const value = panel.values[ref];
    const chosen = Array.isArray(value) ? value : (value === null || value === undefined ? [] : [value]);
    if (!chosen.some((c) => accepted.includes(c))) return false;
  }
  return true;
}

function refresh(panel) {
  let missing = 0;
  panel.vars.forEach((v, i) => {
    const box = panel.boxes[i];
    const on = applicable(panel, v);
    box.hidden = !on;
    const value = panel.values[v.id];
    box.querySelectorAll(".dzc-code").forEach((b) => {
      const chosen = Array.isArray(value) ? value.includes(b.dataset.code) : value === b.dataset.code;
      b.setAttribute("aria-pressed", chosen ? "true" : "false");
    });
    const empty = value === null || value === undefined || value === "" || (Array.isArray(value) && !value.length);
    if (on && v.required && empty) missing += 1;
  });
  panel.status.textContent = missing ? `${missing} required variable(s) not coded yet` : "";
  mark(panel);
}

function shown(panel) {
  return panel.boxes.filter((b) => !b.hidden);
}

function mark(panel) {
  panel.boxes.forEach((b, i) => b.classList.toggle("dzc-current", i === panel.current));
}

function setCurrent(panel, i, scroll) {
  panel.current = i;
  mark(panel);
  if (scroll) {
    panel.boxes[i].scrollIntoView({ block: "nearest" });
    const field = panel.boxes[i].querySelector("input");
    if (field) field.focus({ preventScroll: true });
  }
}

function keep(panel) {
  try {
    const now = { values: panel.values, memo: panel.memo.value, uncertain: panel.tick.checked };
    if (same(now, panel.base)) sessionStorage.removeItem(panel.storeKey);
    else sessionStorage.setItem(panel.storeKey, JSON.stringify({ base: panel.base, now }));
  } catch (e) { /* storage full or off: the panel still holds the choices */ }
}

function choose(panel, i, code, byKey) {
  const v = panel.vars[i];
  if (v.kind === "multi") {
    const now = Array.isArray(panel.values[v.id]) ? [...panel.values[v.id]] : [];
    const at = now.indexOf(code);
    if (at >= 0) now.splice(at, 1);
    else now.push(code);
    panel.values[v.id] = now;
  } else {
    panel.values[v.id] = code;
  }
  panel.current = i;
  keep(panel);
  refresh(panel);
  if (byKey && v.kind === "single") move(panel, 1);
}

function move(panel, step) {
  const boxes = shown(panel);
  const at = boxes.indexOf(panel.boxes[panel.current]);
  const next = boxes[Math.max(0, Math.min(boxes.length - 1, (at < 0 ? 0 : at) + step))];
  if (next) setCurrent(panel, panel.boxes.indexOf(next), true);
}

function submit(panel) {
  if (panel.busy) return; // one save per click, however many arrive
  panel.busy = true;
  panel.saveButtons.forEach((b) => (b.disabled = true));
  const values = {};
  panel.vars.forEach((v) => {
    const value = panel.values[v.id];
    values[v.id] = applicable(panel, v) && value !== undefined ? value : null;
  });
  panel.send("save", {
    post: panel.post, values, memo: panel.memo.value, uncertain: panel.tick.checked,
  });
}

function typing(node) {
  return !!node && (node.tagName === "TEXTAREA" || node.tagName === "SELECT" || node.isContentEditable
    || (node.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(node.type)));
}

function installKeys() {
  if (window.__dzKeys) return;
  window.__dzKeys = true;
  document.addEventListener("keydown", (e) => {
    const panel = window.__dzPanel;
    if (!panel || !panel.memo.isConnected) return;
    if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      submit(panel);
      return;
    }
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
    if (e.key === "Enter" && !(e.target instanceof HTMLButtonElement && !e.target.classList.contains("dzc-code"))) {
      e.preventDefault();
      move(panel, e.shiftKey ? -1 : 1);
      return;
    }
    if (!/^[0-9]$/.test(e.key)) return;
    const box = panel.boxes[panel.current];
    if (!box || box.hidden) return;
    const codes = box.querySelectorAll(".dzc-code");
    const n = e.key === "0" ? 10 : Number(e.key);
    if (!codes.length || n > codes.length) return;
    e.preventDefault();
    choose(panel, panel.current, codes[n - 1].dataset.code, true);
  }, true);
}
