// Solves a proof-of-work challenge off the page's thread (see proof_of_work.js): the answer
// is the first nonce, counted in decimal from 0, such that SHA-256(challenge + nonce) starts
// with `bits` zero bits (essaim/campaigns/services/proof_of_work.py checks it).
"use strict";

// Digests asked for at once: crypto.subtle answers each with a promise, and waiting for them
// one by one would spend more time in the promises than in the hashing.
var BATCH = 256;

function enough(bytes, bits) {
  var index = 0;
  for (; bits >= 8; bits -= 8, index += 1) {
    if (bytes[index] !== 0) { return false; }
  }
  return bits === 0 || (bytes[index] >> (8 - bits)) === 0;
}

async function solve(challenge, bits) {
  var encoder = new TextEncoder();
  for (var from = 0; ; from += BATCH) {
    var digests = [];
    for (var offset = 0; offset < BATCH; offset += 1) {
      digests.push(crypto.subtle.digest("SHA-256", encoder.encode(challenge + (from + offset))));
    }
    var answers = await Promise.all(digests);
    for (var found = 0; found < answers.length; found += 1) {
      if (enough(new Uint8Array(answers[found]), bits)) { return String(from + found); }
    }
  }
}

self.onmessage = function (event) {
  // crypto.subtle exists only in a secure context (HTTPS, or localhost).
  if (!self.crypto || !self.crypto.subtle) {
    self.postMessage({ error: "unsupported" });
    return;
  }
  solve(event.data.challenge, event.data.bits).then(
    function (nonce) { self.postMessage({ nonce: nonce }); },
    function () { self.postMessage({ error: "failed" }); }
  );
};
