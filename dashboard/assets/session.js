/* A session that ended (idle timeout, sign-out in another tab, account removed) makes the next
   callback answer 401: go to the sign-in page, which brings the person back here afterwards.
   Dash's renderer calls fetch() for every callback, so one wrapper covers them all. */
(function () {
  "use strict";
  var originalFetch = window.fetch;
  if (!originalFetch || window.__pretSessionGuard) { return; }
  window.__pretSessionGuard = true;
  window.fetch = function () {
    return originalFetch.apply(this, arguments).then(function (response) {
      if (response.status === 401 && response.url.indexOf("/_dash-") !== -1) {
        var next = window.location.pathname + window.location.search;
        window.location.assign("/login?reason=expired&next=" + encodeURIComponent(next));
      }
      return response;
    });
  };
})();
