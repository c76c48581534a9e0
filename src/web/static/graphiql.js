// Starts GraphiQL (from the embedded copies of graphiql, React and ReactDOM) against this service's /graphql.
(function () {
  var root = document.getElementById('graphiql');
  var fetcher = GraphiQL.createFetcher({ url: '/graphql' });
  ReactDOM.createRoot(root).render(React.createElement(GraphiQL, { fetcher: fetcher }));
})();
