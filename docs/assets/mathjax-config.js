// MathJax 2 settings for the site: typeset only what pymdownx.arithmatex marked as
// math, with the STIX web fonts copied into the site (nothing is fetched from
// outside), and without menus or status messages.
window.MathJax = {
  tex2jax: {
    inlineMath: [["\\(", "\\)"]],
    displayMath: [["\\[", "\\]"]],
    processEscapes: false,
    processClass: "arithmatex",
    ignoreClass: ".*",
  },
  TeX: { extensions: ["AMSmath.js", "AMSsymbols.js"] },
  "HTML-CSS": { availableFonts: [], preferredFont: null, webFont: "STIX-Web", imageFont: null },
  showMathMenu: false,
  messageStyle: "none",
};
