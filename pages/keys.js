// Keyboard coding for dazi's workspace (pages/code.py); installed once per browser tab.
//   1-9, 0   choose the 1st-9th, 10th code of the current variable (toggle, for multi-choice pills)
//   Enter    next variable; Shift+Enter previous variable
// The current variable is outlined.  Choosing a code of a single-choice variable moves on to
// the next variable; a click or Tab into a variable makes it the current one.  Keys typed into
// a text box, a number box or the memo are left alone.  The current variable is kept here, not
// in the browser's focus, so a rerun that re-renders the widgets cannot move it.
(() => {
  if (window.__daziKeys) return;
  window.__daziKeys = true;
  const doc = window.document;
  const BOX = '[class*="st-key-dzv_"]';
  let idx = 0;
  let pending = null;
  let lastPost = null;

  // the outline is a style rule naming the current widget's key: nothing on Streamlit's own
  // elements changes, so a rerun cannot wipe it
  const style = doc.createElement("style");
  doc.head.appendChild(style);
  // the pills of a multi-choice variable wrap onto more lines instead of scrolling sideways
  const layout = doc.createElement("style");
  layout.textContent = '[class*="st-key-dzv_"] [role="toolbar"]{flex-wrap:wrap !important;overflow:visible !important}';
  doc.head.appendChild(layout);

  const boxes = () => Array.from(doc.querySelectorAll(BOX));
  const shownPost = () => {
    const card = doc.querySelector(".dz-post[data-post]");
    return card ? card.dataset.post : null;
  };
  const typing = (el) =>
    !!el &&
    (el.tagName === "TEXTAREA" ||
      el.tagName === "SELECT" ||
      el.isContentEditable ||
      (el.tagName === "INPUT" && !["radio", "checkbox", "button", "submit"].includes(el.type)));

  const keyOf = (box) => (box.className.match(/st-key-(dzv_\w+)/) || [])[1];
  function mark(list) {
    const key = list[idx] && keyOf(list[idx]);
    const rule = key ? `.st-key-${key}{outline:2px solid #ff4b4b;outline-offset:6px;border-radius:6px}` : "";
    if (style.textContent !== rule) style.textContent = rule;
  }

  function select(list, i) {
    if (!list.length) return;
    idx = Math.max(0, Math.min(i, list.length - 1));
    mark(list);
    list[idx].scrollIntoView({ block: "nearest" });
    const field = list[idx].querySelector('input[type="number"], input[type="text"]');
    if (field) field.focus(); // a number or short text is typed in place
  }

  function sync() {
    const list = boxes();
    if (!list.length) return;
    const post = shownPost();
    if (post !== lastPost) {
      lastPost = post;
      pending = null;
      if (typing(doc.activeElement)) doc.activeElement.blur(); // a new post starts with its codes, not the memo
      window.scrollTo({ top: 0 });
      select(list, 0);
    } else if (pending !== null && pending < list.length) {
      const want = pending;
      pending = null;
      select(list, want);
    } else {
      mark(list);
    }
  }

  new MutationObserver(() => {
    cancelAnimationFrame(window.__daziFrame);
    window.__daziFrame = requestAnimationFrame(sync);
  }).observe(doc.body, { childList: true, subtree: true });

  const follow = (target) => {
    const list = boxes();
    const i = list.findIndex((b) => b.contains(target));
    if (i >= 0) {
      idx = i;
      pending = null;
      mark(list);
    }
  };
  doc.addEventListener("pointerdown", (e) => follow(e.target), true);
  doc.addEventListener("keyup", (e) => {
    if (e.key === "Tab") follow(doc.activeElement);
  }, true);

  doc.addEventListener(
    "keydown",
    (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      const list = boxes();
      if (!list.length) return;
      idx = Math.min(idx, list.length - 1);
      const box = list[idx];
      if (/^[0-9]$/.test(e.key)) {
        const n = e.key === "0" ? 10 : Number(e.key);
        const radios = box.querySelectorAll('input[type="radio"]');
        const options = radios.length ? radios : box.querySelectorAll('button[data-variant^="pills"]');
        if (n > options.length) return;
        e.preventDefault();
        options[n - 1].click();
        options[n - 1].blur();
        if (radios.length) {
          if (idx + 1 < list.length) select(list, idx + 1);
          else pending = idx + 1; // a conditional variable may appear after the rerun
        }
      } else if (e.key === "Enter" && !(e.target instanceof HTMLButtonElement)) {
        e.preventDefault();
        select(list, idx + (e.shiftKey ? -1 : 1));
      }
    },
    true,
  );
})();
