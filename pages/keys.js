// Keyboard coding for dazi's workspace (pages/code.py); installed once per browser tab.
//   1-9, 0   choose the 1st-9th, 10th code of the current variable (toggle, for multi-choice)
//   Enter    next variable; Shift+Enter previous variable
// The current variable is outlined; choosing a code of a single-choice variable moves on
// to the next one.  Keys typed into a text box, number box or the memo are left alone.
(() => {
  if (window.__daziKeys) return;
  window.__daziKeys = true;
  const doc = window.document;
  const BOX = '[class*="st-key-dzv_"]';
  let idx = 0;
  let pending = null;
  let lastPost = null;

  const style = doc.createElement("style");
  style.textContent = ".dz-current{outline:2px solid #ff4b4b;outline-offset:4px;border-radius:6px}";
  doc.head.appendChild(style);

  const boxes = () => Array.from(doc.querySelectorAll(BOX));
  const postOf = (el) => {
    const m = el.className.match(/st-key-dzv_(\d+)_/);
    return m ? m[1] : null;
  };
  const typing = (el) =>
    !!el &&
    (el.tagName === "TEXTAREA" ||
      el.tagName === "SELECT" ||
      el.isContentEditable ||
      (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type)));

  function mark(list) {
    list.forEach((b, i) => b.classList.toggle("dz-current", i === idx));
  }

  function focusBox(list, i) {
    if (!list.length) return;
    idx = Math.max(0, Math.min(i, list.length - 1));
    mark(list);
    const box = list[idx];
    const input = box.querySelector("input:checked") || box.querySelector("input");
    if (input) input.focus({ preventScroll: true });
    box.scrollIntoView({ block: "nearest" });
  }

  function sync() {
    const list = boxes();
    if (!list.length) return;
    const post = postOf(list[0]);
    if (post !== lastPost) {
      lastPost = post;
      pending = null;
      focusBox(list, 0);
      return;
    }
    if (pending !== null && pending < list.length) {
      const want = pending;
      pending = null;
      focusBox(list, want);
      return;
    }
    const found = list.findIndex((b) => b.contains(doc.activeElement));
    if (found >= 0) idx = found;
    mark(list);
  }

  new MutationObserver(() => {
    cancelAnimationFrame(window.__daziFrame);
    window.__daziFrame = requestAnimationFrame(sync);
  }).observe(doc.body, { childList: true, subtree: true });
  doc.addEventListener("focusin", () => requestAnimationFrame(sync));

  doc.addEventListener(
    "keydown",
    (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const list = boxes();
      if (!list.length) return;
      const found = list.findIndex((b) => b.contains(doc.activeElement));
      if (found >= 0) idx = found;
      idx = Math.min(idx, list.length - 1);
      const box = list[idx];
      if (/^[0-9]$/.test(e.key)) {
        const n = e.key === "0" ? 10 : Number(e.key);
        const radios = box.querySelectorAll('label[data-baseweb="radio"]');
        const options = radios.length ? radios : box.querySelectorAll('label[data-baseweb="checkbox"]');
        if (n > options.length) return;
        e.preventDefault();
        options[n - 1].click();
        if (radios.length) {
          if (idx + 1 < list.length) focusBox(list, idx + 1);
          else pending = idx + 1; // a conditional variable may appear after the rerun
        }
      } else if (e.key === "Enter" && (found >= 0 || doc.activeElement === doc.body)) {
        e.preventDefault();
        focusBox(list, idx + (e.shiftKey ? -1 : 1));
      }
    },
    true,
  );
})();
