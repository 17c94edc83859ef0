// Two gaps in Material's accessibility that axe-core and Lighthouse find, closed once the page
// is loaded and after each instant navigation (Material's document$ tells when).
document$.subscribe(() => {
  // A wide table scrolls sideways inside its box (.md-typeset__scrollwrap), and so does a pool
  // timeline on a phone (.pool-timeline__scroll): that box takes keyboard focus while it
  // scrolls, so that the arrow keys can scroll it (WCAG 2.1.1, axe's
  // scrollable-region-focusable). Material does the same for code blocks, not for tables.
  document.querySelectorAll(".md-typeset__scrollwrap, .pool-timeline__scroll").forEach((box) => {
    const update = () => {
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
      } else {
        box.removeAttribute("tabindex");
      }
    };
    new ResizeObserver(update).observe(box); // a turned phone, a resized window
  });
  // The search box is a dialog without a name (WCAG 4.1.2, Lighthouse's aria-dialog-name):
  // it takes the name of its input, "Search".
  document.querySelectorAll('.md-search[role="dialog"]:not([aria-label])').forEach((box) => {
    const input = box.querySelector("input.md-search__input");
    box.setAttribute("aria-label", input?.getAttribute("aria-label") || "Search");
  });
});
