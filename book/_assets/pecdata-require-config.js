// Loaded on pages with ipywidgets, after require.js and before the widget
// manager (embed-amd.js), see nb_ipywidgets_js in _config.yml.
// The widget manager finds its icon fonts relative to the RequireJS module
// path "@jupyter-widgets/html-manager/dist"; point that path at the offline
// copy in _static so the fonts load without internet.
(function () {
  var src = document.currentScript && document.currentScript.src;
  if (!src || typeof require === "undefined" || !require.config) {
    return;
  }
  var dir = src.split("?")[0];
  dir = dir.slice(0, dir.lastIndexOf("/") + 1);
  require.config({
    paths: {
      "@jupyter-widgets/html-manager/dist": dir + "offline/html-manager",
      // the manager sets its public path (fonts) from the folder of its own module
      // id, "@jupyter-widgets/html-manager": that folder is the offline copy too
      "@jupyter-widgets": dir + "offline/html-manager",
    },
  });
})();
