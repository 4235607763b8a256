// clockwatch's live page: fetch the page again every few seconds and swap
// its <main> in place, so the numbers move without a flash. The server
// renders and escapes everything; this script only moves its nodes.
"use strict";

(function () {
  const live = () => document.getElementById("live");
  const banner = document.getElementById("connection");
  const every = Math.max(1, Number(live().dataset.refreshSeconds) || 5) * 1000;
  let timer = 0;
  let busy = false;

  // showStale marks the numbers as old and says why; null clears it.
  function showStale(reason) {
    live().classList.toggle("stale", reason !== null);
    banner.hidden = reason === null;
    if (reason !== null) {
      banner.textContent = "Not updated since " + new Date().toLocaleTimeString() + ": " + reason + ". Retrying.";
    }
  }

  // selecting reports whether the reader is selecting text on the page,
  // which a swap would take away.
  function selecting() {
    const sel = document.getSelection();
    return sel !== null && !sel.isCollapsed && live().contains(sel.anchorNode);
  }

  async function refresh() {
    clearTimeout(timer);
    if (busy) {
      return;
    }
    busy = true;
    if (!document.hidden && !selecting()) {
      try {
        const resp = await fetch(location.href, { cache: "no-store", headers: { Accept: "text/html" } });
        if (!resp.ok) {
          throw new Error("the agent answered " + resp.status);
        }
        const page = new DOMParser().parseFromString(await resp.text(), "text/html");
        const fresh = page.getElementById("live");
        if (fresh === null) {
          throw new Error("the agent sent a page without its live part");
        }
        live().replaceWith(document.adoptNode(fresh));
        document.title = page.title;
        showStale(null);
      } catch (err) {
        showStale(err instanceof TypeError ? "the agent is unreachable" : err.message);
      }
    }
    busy = false;
    timer = setTimeout(refresh, every);
  }

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) {
      refresh();
    }
  });
  timer = setTimeout(refresh, every);
})();
