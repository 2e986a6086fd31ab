// Node 20 has no Promise.withResolvers (Node 22 does), which PostGraphile 5 calls; loaded with
// NODE_OPTIONS=--require before anything else.
if (typeof Promise.withResolvers !== "function") {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new this((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
