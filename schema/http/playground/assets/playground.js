// Starts GraphiQL on the playground page. A file rather than an inline <script> so the page runs
// under `script-src 'self'`. Adapted from strawberry's graphiql.html, minus js-cookie: Diptych
// uses no CSRF cookie, so there is no token to forward.
"use strict";

(function () {
  // The API is the page's own origin: the page is served at GET /graphql, but build the URLs
  // from the path rather than from location.href so a ?q=... on the page never leaks into them.
  var endpoint = new URL("/graphql", window.location.href);
  var subscriptions = new URL(endpoint.href);
  // Follow the page's scheme: a page served over https must not open a plain ws:// socket.
  subscriptions.protocol = window.location.protocol === "https:" ? "wss:" : "ws:";

  var EXAMPLE_QUERY =
    "# Welcome to the Diptych playground.\n" +
    "#\n" +
    "# Ctrl-Space completes, Ctrl-Enter runs.\n" +
    "# Docs and the Explorer: the icons on the left.\n" +
    "# Need a token? Add it under Headers below:\n" +
    '#   {"Authorization": "Bearer <token>"}\n' +
    "\n";

  // The query and variables live in the URL (as in strawberry's page) so a link shares them.
  // Headers do not: a bearer token must not end up in browser history or a pasted link.
  var parameters = {};
  new URLSearchParams(window.location.search).forEach(function (value, key) {
    parameters[key] = value;
  });

  function updateURL(changes) {
    Object.assign(parameters, changes);
    var search = new URLSearchParams();
    Object.keys(parameters).forEach(function (key) {
      if (parameters[key]) {
        search.set(key, parameters[key]);
      }
    });
    var query = search.toString();
    history.replaceState(null, "", query ? "?" + query : window.location.pathname);
  }

  // graphiql's UMD bundle carries the graphql-ws client: given subscriptionUrl, createFetcher
  // sends subscriptions over graphql-transport-ws and everything else over HTTP POST.
  var fetcher = GraphiQL.createFetcher({
    url: endpoint.href,
    subscriptionUrl: subscriptions.href,
  });
  var explorer = GraphiQLPluginExplorer.explorerPlugin();

  function Playground() {
    var query = React.useState(parameters.q || EXAMPLE_QUERY);
    var variables = React.useState(parameters.variables);

    return React.createElement(GraphiQL, {
      fetcher: fetcher,
      plugins: [explorer],
      query: query[0],
      variables: variables[0],
      onEditQuery: function (value) {
        query[1](value);
        updateURL({ q: value });
      },
      onEditVariables: function (value) {
        variables[1](value);
        updateURL({ variables: value });
      },
      defaultEditorToolsVisibility: true,
      inputValueDeprecation: true,
      isHeadersEditorEnabled: true,
      // GraphiQL's default, kept on purpose: a pasted token is not written to localStorage,
      // where it would outlive the tab.
      shouldPersistHeaders: false,
    });
  }

  ReactDOM.createRoot(document.getElementById("graphiql")).render(
    React.createElement(Playground),
  );
})();
