// A wide table scrolls sideways inside its box (Material's .md-typeset__scrollwrap): that box
// takes keyboard focus while it scrolls, so that the arrow keys can scroll it (WCAG 2.1.1, axe's
// scrollable-region-focusable). Material does the same for code blocks, not for tables.
// Material wraps the tables once the page is loaded (and after each instant navigation): its
// document$ tells when.
document$.subscribe(() => {
  document.querySelectorAll(".md-typeset__scrollwrap").forEach((box) => {
    const update = () => {
      if (box.scrollWidth > box.clientWidth) {
        box.tabIndex = 0;
      } else {
        box.removeAttribute("tabindex");
      }
    };
    new ResizeObserver(update).observe(box); // a turned phone, a resized window
  });
});
