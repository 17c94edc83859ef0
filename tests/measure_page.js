// Everything measured on one page, in the browser. Collapsed listings are opened and every
// tab shown first, so that hidden code is measured too.
// Returned to tests/test_browser.py (MEASURE_PAGE) by Playwright's page.evaluate().
async () => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const show = document.createElement('style');
  show.textContent = '.tabbed-set > .tabbed-content > .tabbed-block {display: block !important}';
  document.head.appendChild(show);
  await new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));

  const label = (el) => {
    const block = el.closest('.highlight, pre');
    const title = block && block.querySelector('.filename');
    const text = (el.textContent || '').trim().split('\n')[0].slice(0, 60);
    return (title ? title.textContent + ': ' : '') + text;
  };
  const textRects = (el) => {
    const rects = [];
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      rects.push(...range.getClientRects());
    }
    return rects;
  };
  const overlaps = (a, b) =>
    a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const scrollBox = (el) => {
    for (let box = el; box && box !== document.body; box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      if (overflow === 'auto' || overflow === 'scroll') return box;
    }
    return null;
  };

  const codes = [...document.querySelectorAll('.md-content pre > code')];
  const overflowing = [...document.querySelectorAll('.md-main *')].filter(el => {
    const right = el.getBoundingClientRect().right;
    return right > document.documentElement.clientWidth + 1 && !scrollBox(el.parentElement);
  }).map(el => el.tagName.toLowerCase() + ': ' + (el.textContent || '').trim().slice(0, 60));
  const scrolling = codes.filter(c => !c.closest('.example-output'))
    .filter(c => c.scrollWidth > c.clientWidth + 1).map(label);
  // Text under the copy button: what shows of it, within the code's own (scrolling) box.
  const covered = [];
  for (const code of codes) {
    const pre = code.parentElement;
    pre.dispatchEvent(new MouseEvent('mouseover', {bubbles: true}));
    const shown = code.getBoundingClientRect();
    const visible = textRects(code).filter(r => overlaps(r, shown));
    for (const button of pre.parentElement.querySelectorAll('.md-clipboard, .md-code__button')) {
      const box = button.getBoundingClientRect();
      if (box.width && overlaps(box, shown) && visible.some(r => overlaps(r, box))) {
        covered.push(label(code));
      }
    }
  }
  // Outputs keep their shape: a line of an example's output never wraps (on a phone the block
  // scrolls sideways); on a laptop it fits the column (`scrolling`, below).
  const outputs = [...document.querySelectorAll('.md-content .example-output pre > code')];
  const wraps = (code) => {
    const style = getComputedStyle(code);
    const lines = code.textContent.replace(/\n$/, '').split('\n').length;
    const height = code.scrollHeight - parseFloat(style.paddingTop) - parseFloat(style.paddingBottom);
    return Math.round(height / parseFloat(style.lineHeight)) > lines;
  };
  // an output by its command, the tab it is in and its longest line
  const outputLabel = (code) => {
    const lines = code.textContent.split('\n');
    const longest = lines.reduce((a, b) => (b.length > a.length ? b : a));
    const block = code.closest('.tabbed-block');
    const set = block && block.closest('.tabbed-set');
    const tab = set ? set.querySelectorAll(':scope > .tabbed-labels > label')[
      [...block.parentElement.children].indexOf(block)].textContent.trim() : '';
    return `${lines[0].replace('$ python -m ', '')}${tab ? ` (${tab})` : ''}: ` +
      `${longest.length} characters: ${longest.trim().slice(0, 40)}...`;
  };
  const wrappedOutputs = outputs.filter(wraps);
  const wideOutputs = outputs.filter(c => c.scrollWidth > c.clientWidth + 1).map(outputLabel);
  // A table wider than its box must scroll inside a container (Material: the table itself),
  // whose edges show a cue (a background image: the scroll shadows of extra.css).
  const tables = [...document.querySelectorAll('.md-content table:not(.highlighttable)')];
  const cutTables = [], wideTables = [];
  const column = document.querySelector('.md-content').getBoundingClientRect();
  for (const table of tables) {
    const name = table.rows[0].textContent.trim().replace(/\s+/g, ' ').slice(0, 60);
    // the box that scrolls: the table, or the wrappers Material puts around it
    let scroller = null;
    for (let box = table; box && !box.matches('.md-content'); box = box.parentElement) {
      const overflow = getComputedStyle(box).overflowX;
      const scrolls = overflow === 'auto' || overflow === 'scroll';
      if (scrolls && box.scrollWidth > box.clientWidth + 1) { scroller = box; break; }
    }
    const shown = (scroller || table).getBoundingClientRect();
    const cut = shown.right > Math.min(column.right, document.documentElement.clientWidth) + 1;
    if (scroller) wideTables.push(name);
    // a scrolling table shows a cue at its edges: the scroll shadows of extra.css
    const cue = scroller && getComputedStyle(scroller).backgroundImage !== 'none';
    if (cut || (scroller && !cue)) cutTables.push(name);
  }
  // An identifier (no spaces) that breaks inside a word (between two letters, digits or
  // underscores) although a line could hold it whole: inline code in prose and tables, and
  // code titles. Breaks after punctuation (a slash, a ?) are fine.
  const lineBreaks = (el) => {
    const after = [];
    let top = null, previous = '';
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (let i = 0; i < n.length; i++) {
        const range = document.createRange();
        range.setStart(n, i); range.setEnd(n, i + 1);
        const rect = range.getBoundingClientRect();
        if (!rect.width) continue;
        if (top !== null && rect.top > top + 2) after.push(previous + n.data[i]);
        top = rect.top; previous = n.data[i];
      }
    }
    return after;
  };
  // Whether a line holds `el` whole: its text, and an inline element's padding and border, in
  // the content box of the block that lays it out (a paragraph, a heading, a cell; its own).
  const sides = ['paddingLeft', 'paddingRight', 'borderLeftWidth', 'borderRightWidth'];
  const inline = (el) => getComputedStyle(el).display.startsWith('inline');
  const fits = (el) => {
    let block = el;
    while (inline(block)) block = block.parentElement;
    const own = inline(el) ? sides.reduce((sum, side) => sum + parseFloat(getComputedStyle(el)[side]), 0) : 0;
    const box = getComputedStyle(block);
    const line = block.clientWidth - parseFloat(box.paddingLeft) - parseFloat(box.paddingRight);
    return textRects(el).reduce((sum, r) => sum + r.width, own) <= line;
  };
  // a slice's title: its path, a link, then a note with spaces (which the filter skips)
  const names = '.md-content :not(pre) > code, .md-content .filename, .md-content .filename > a:first-child';
  const broken = [...document.querySelectorAll(names)].filter(el => {
      if (/\s/.test(el.textContent.trim()) || textRects(el).length < 2) return false;
      const breaks = lineBreaks(el).filter(pair => /^\w\w$/.test(pair));
      return breaks.length > 0 && fits(el);
    }).map(el => el.textContent.trim());
  // In an output, any break that is not a line of its own is a wrap: one inside a word breaks
  // a name (only outputs that wrap are read character by character).
  for (const code of wrappedOutputs) {
    const lines = code.textContent.split('\n');
    let top = null, previous = '', newline = false, line = 0;
    const walker = document.createTreeWalker(code, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      for (let i = 0; i < n.length; i++) {
        if (n.data[i] === '\n') { newline = true; line++; continue; }
        const range = document.createRange();
        range.setStart(n, i); range.setEnd(n, i + 1);
        const rect = range.getBoundingClientRect();
        if (!rect.width) continue;
        if (top !== null && rect.top > top + 2 && !newline && /^\w\w$/.test(previous + n.data[i])) {
          broken.push(`${outputLabel(code)}: ${lines[line].trim().slice(0, 60)}`);
        }
        top = rect.top; previous = n.data[i]; newline = false;
      }
    }
  }
  // The text of an SVG image as shown: its font sizes (user units) times the image's scale.
  const smallText = [];
  for (const img of document.querySelectorAll('.md-content img[src$=".svg"]')) {
    const svg = new DOMParser().parseFromString(
      await (await fetch(img.src)).text(), 'image/svg+xml').documentElement;
    const viewBox = (svg.getAttribute('viewBox') || '').split(/[ ,]+/).map(Number);
    if (viewBox.length !== 4 || !img.clientWidth) continue;
    const sizes = [...svg.querySelectorAll('[style*="font-size"]')]
      .map(el => parseFloat(el.getAttribute('style').match(/font-size:\s*([\d.]+)/)[1]));
    const smallest = Math.min(...sizes) * img.clientWidth / viewBox[2];
    if (smallest < 10) smallText.push(`${img.getAttribute('src')}: ${smallest.toFixed(1)} px`);
  }
  const html = document.documentElement.outerHTML.length;
  const listings = [...document.querySelectorAll('details')]
    .filter(d => d.querySelector('pre'))
    .reduce((sum, d) => sum + d.outerHTML.length, 0);
  return {codeBlocks: codes.length, scrolling, covered, tables: tables.length, cutTables,
          outputs: outputs.length, wrappedOutputs: wrappedOutputs.map(outputLabel), wideOutputs,
          wideTables, broken, overflowing, smallText, htmlChars: html, listingChars: listings,
          documentWidth: document.documentElement.scrollWidth,
          viewportWidth: document.documentElement.clientWidth};
}
