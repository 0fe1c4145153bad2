"use strict";
// Loaded before ReDoc on /api/redoc/ (templates/api_docs/redoc.html).
// ReDoc's side menu always shows Redocly's logo from https://cdn.redoc.ly: a file the
// page does not need, that its Content-Security-Policy refuses (a violation on every
// load) and that would tell a third party who reads our docs. An image whose source is
// on another origin is hidden instead of fetched; every other image loads as usual.
(() => {
  const foreign = (value) => {
    const url = new URL(String(value), document.baseURI);
    return url.protocol !== "data:" && url.protocol !== "blob:" && url.origin !== window.location.origin;
  };
  const src = Object.getOwnPropertyDescriptor(HTMLImageElement.prototype, "src");
  Object.defineProperty(HTMLImageElement.prototype, "src", {
    ...src,
    set(value) {
      if (foreign(value)) {
        this.hidden = true;
      } else {
        src.set.call(this, value);
      }
    },
  });
  const setAttribute = Element.prototype.setAttribute;
  Element.prototype.setAttribute = function (name, value) {
    if (this instanceof HTMLImageElement && String(name).toLowerCase() === "src" && foreign(value)) {
      this.hidden = true;
      return;
    }
    setAttribute.call(this, name, value);
  };
})();
