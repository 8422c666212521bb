// The proof of work of the forms a visitor without an account sends (essaim/campaigns/
// services/proof_of_work.py): a challenge is fetched when the visitor starts filling the form
// and solved in a Web Worker while they type; the form waits for the answer before it goes.
(function () {
  "use strict";
  // htmx runs this file again with every form it swaps in; the listeners below serve them all.
  if (window.essaimProofOfWork) { return; }
  window.essaimProofOfWork = true;
  // A challenge this close to its expiry (milliseconds) is asked for again before sending.
  var MARGIN = 30000;
  var states = new WeakMap();

  function partOf(form) {
    return form && form.querySelector ? form.querySelector("[data-proof-of-work]") : null;
  }

  function field(part, name) { return part.querySelector('input[name="' + name + '"]'); }

  function say(part, attribute) {
    var status = part.querySelector("[data-proof-status]");
    if (status) { status.textContent = attribute ? part.getAttribute(attribute) : ""; }
  }

  function stale(state) {
    return state.failed || (state.seconds > 0 && Date.now() - state.fetchedAt > state.seconds * 1000 - MARGIN);
  }

  function fail(part, state) {
    state.failed = true;
    say(part, "data-failed");
    if (state.waiting) { state.waiting.disabled = false; state.waiting = null; }
  }

  function solved(form, part, state, challenge, nonce) {
    field(part, "proof_challenge").value = challenge;
    field(part, "proof_nonce").value = nonce;
    state.done = true;
    if (state.waiting) {
      var submitter = state.waiting;
      state.waiting = null;
      submitter.disabled = false;
      say(part, "");
      form.requestSubmit(submitter);
    }
  }

  // The form's state: its challenge being fetched and solved, or its answer.
  function start(form, part) {
    var state = states.get(form);
    if (state && !stale(state)) { return state; }
    if (state && state.worker) { state.worker.terminate(); }
    state = { done: false, failed: false, waiting: null, fetchedAt: Date.now(), seconds: 0, worker: null };
    states.set(form, state);
    field(part, "proof_challenge").value = "";
    field(part, "proof_nonce").value = "";
    if (!window.Worker || !window.fetch) { fail(part, state); return state; }
    fetch(part.getAttribute("data-proof-of-work"), { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(function (challenge) {
        if (states.get(form) !== state) { return; }
        state.seconds = challenge.seconds;
        var worker = state.worker = new Worker(part.getAttribute("data-worker"));
        worker.onmessage = function (event) {
          worker.terminate();
          state.worker = null;
          if (event.data.error) { fail(part, state); } else { solved(form, part, state, challenge.challenge, event.data.nonce); }
        };
        worker.onerror = function () { fail(part, state); };
        worker.postMessage({ challenge: challenge.challenge, bits: challenge.bits });
      })
      .catch(function () { fail(part, state); });
    return state;
  }

  function touched(event) {
    var form = event.target.closest && event.target.closest("form");
    var part = partOf(form);
    if (part) { start(form, part); }
  }
  document.addEventListener("focusin", touched);
  document.addEventListener("input", touched);

  // Captured on the document, before htmx's own listener on the form: a form without its
  // answer yet does not go; it goes by itself once the worker answers.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var part = partOf(form);
    if (!part) { return; }
    var state = start(form, part);
    if (state.done) {
      // This answer leaves with this post: another post asks for a new challenge.
      states.delete(form);
      return;
    }
    // A browser that cannot solve it (no Worker, no crypto.subtle) sends the form as it is,
    // and the server's answer says what is missing.
    if (state.failed) { return; }
    event.preventDefault();
    event.stopPropagation();
    state.waiting = event.submitter || form.querySelector('[type="submit"]');
    if (state.waiting) { state.waiting.disabled = true; }
    say(part, "data-working");
  }, true);
})();
