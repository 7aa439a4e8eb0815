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
    if (post !== null && post !== lastPost) { // (the card may vanish for a moment while it is redrawn)
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

  // Keys are applied one at a time: a code chosen makes Streamlit rerun the workspace, and the
  // next key waits until that run has finished (as it waits for any run, such as Save & next's),
  // so a fast typist's keys never land on widgets that are being redrawn, and none is lost.
  const queue = [];
  let busy = false; // a key was applied and its run has not finished (or the page is not ready)
  let sawRun = false;
  let timer = null;
  const app = () => doc.querySelector('[data-testid="stApp"]');
  const running = () => {
    const a = app();
    return !!a && a.dataset.testScriptState === "running";
  };
  function release() {
    clearTimeout(timer);
    timer = null;
    busy = false;
    sawRun = false;
    drain();
  }
  function wake(ms) { // look again later; never let go while a run is in progress
    clearTimeout(timer);
    timer = setTimeout(() => (running() ? wake(50) : release()), ms);
  }
  new MutationObserver((records) => {
    if (!busy) return;
    if (running() || records.some((r) => r.oldValue === "running")) sawRun = true; // (a short run may come and go
    if (sawRun && !running()) release(); //                                        between two callbacks)
  }).observe(doc.documentElement, {
    attributes: true, subtree: true, attributeOldValue: true, attributeFilter: ["data-test-script-state"],
  });

  const WAIT = "wait";
  function apply(key, shift) {
    if (running()) return WAIT; // e.g. Save & next is still bringing the next post
    sync();
    const list = boxes();
    if (!list.length) return false;
    idx = Math.min(idx, list.length - 1);
    const box = list[idx];
    if (key === "Enter") {
      select(list, idx + (shift ? -1 : 1));
      return false;
    }
    if (box.querySelector('[data-testid="stSkeleton"]')) return WAIT; // the widget's code is still loading
    const n = key === "0" ? 10 : Number(key);
    const radios = box.querySelectorAll('input[type="radio"]');
    const options = radios.length ? radios : box.querySelectorAll('button[data-variant^="pills"]');
    if (n > options.length) return false;
    options[n - 1].click();
    options[n - 1].blur();
    if (radios.length) {
      if (idx + 1 < list.length) select(list, idx + 1);
      else pending = idx + 1; // a conditional variable may appear after the rerun
    }
    return true;
  }

  function drain() {
    while (!busy && queue.length) {
      const [key, shift] = queue.shift();
      const applied = apply(key, shift);
      if (applied === WAIT) {
        queue.unshift([key, shift]);
        busy = true;
        wake(50);
      } else if (applied) {
        busy = true;
        sawRun = running();
        wake(1500); // a click that changes nothing starts no run: do not wait for one forever
      }
    }
  }

  doc.addEventListener(
    "keydown",
    (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target) || !boxes().length) return;
      const digit = /^[0-9]$/.test(e.key);
      if (!digit && !(e.key === "Enter" && !(e.target instanceof HTMLButtonElement))) return;
      e.preventDefault();
      queue.push([e.key, e.shiftKey]);
      drain();
    },
    true,
  );
  window.__daziIdle = () => !busy && queue.length === 0;
  sync();
})();
