"use strict";
// The console's small helpers, loaded (deferred) on every admin page by
// templates/admin/base_site.html. No inline script: the Content-Security-Policy forbids it.
(() => {
  const script = document.currentScript;

  // The browser's time zone, in the cookie core/time_zones.py reads (ZONE_COOKIE): the
  // console's dates are written in it from the next page on, and the header names it.
  const ZONE_COOKIE = "console_tz";
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (zone) {
    const secure = window.location.protocol === "https:" ? "; Secure" : "";
    const path = script.dataset.adminRoot || "/";
    document.cookie = `${ZONE_COOKIE}=${encodeURIComponent(zone)}; path=${path}; max-age=31536000; SameSite=Lax${secure}`;
  }

  // A change list's UUIDs wrap into fragments: show their first 8 hex digits in a
  // monospace span titled with the whole id, and a button that copies the whole id.
  const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

  const copy = async (text) => {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return;
    }
    // Plain HTTP on another host than localhost has no clipboard API.
    const area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  };

  const shortId = (id) => {
    const span = document.createElement("span");
    span.className = "console-id";
    span.title = id;
    span.textContent = id.slice(0, 8);
    return span;
  };

  const copyButton = (id) => {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "console-copy";
    button.dataset.id = id;
    button.title = `Copy ${id}`;
    button.textContent = "copy";
    button.addEventListener("click", async (event) => {
      event.preventDefault();
      await copy(id);
      button.textContent = "copied";
      window.setTimeout(() => { button.textContent = "copy"; }, 1500);
    });
    return button;
  };

  const textNodes = (cell) => {
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    const nodes = [];
    while (walker.nextNode()) nodes.push(walker.currentNode);
    return nodes;
  };

  const shorten = (cell) => {
    for (const text of textNodes(cell)) {
      const matches = [...text.data.matchAll(UUID)];
      if (matches.length === 0) continue;
      const parts = [];
      const spans = [];
      let last = 0;
      for (const match of matches) {
        const span = shortId(match[0]);
        parts.push(text.data.slice(last, match.index), span);
        spans.push(span);
        last = match.index + match[0].length;
      }
      parts.push(text.data.slice(last));
      // A button inside a link would follow the link: such buttons go right after it.
      let link = text.parentElement.closest("a");
      text.replaceWith(...parts);
      cell.classList.add("console-id-cell");
      for (const span of spans) {
        const button = copyButton(span.title);
        (link || span).after(button);
        link = link && button;
      }
    }
  };

  document.querySelectorAll("#result_list tbody td, #result_list tbody th").forEach(shorten);
})();
