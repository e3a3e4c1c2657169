/*
 * divolte.js - the browser tag of the collector (PROTOCOL.md section 4).
 *
 * Plain ES5, no build step: the server substitutes the configuration object
 * below and minifies the result once at start-up (divolte/sources/tag.py).
 * Keep this file ASCII-only; the script is served without a charset.
 */
(function (window) {
  'use strict';

  // Replaced as a whole (markers included) by the server with the configured
  // values as a JSON object; the defaults below are the reference defaults.
  var C = /*@CONFIG{*/{
    PARTY_COOKIE_NAME: '_dvp',
    PARTY_ID_TIMEOUT_SECONDS: 63072000,
    SESSION_COOKIE_NAME: '_dvs',
    SESSION_ID_TIMEOUT_SECONDS: 1800,
    COOKIE_DOMAIN: '',
    LOGGING: false,
    SCRIPT_NAME: 'divolte.js',
    EVENT_SUFFIX: 'csc-event',
    AUTO_PAGE_VIEW_EVENT: true,
    EVENT_TIMEOUT_SECONDS: 0.75
  }/*}@CONFIG*/;

  var document = window.document,
      console = window.console,
      // Digits of the random part of identifiers: one per random byte (& 63).
      ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789~_',
      crypto = window.crypto || window.msCrypto,
      secureRandom = !!(crypto && crypto.getRandomValues);

  function log() {
    if (C.LOGGING && console) {
      console.log.apply(console, ['[divolte]'].concat([].slice.call(arguments)));
    }
  }

  function fail(reason) {
    throw new Error('divolte: ' + reason);
  }

  /* ---- Bootstrap (section 4.3): where were we loaded from? ---- */

  function findScriptUrl() {
    var current = document.currentScript, scripts, pattern, url, i;
    if (current) {
      return current.src;
    }
    // No currentScript (old browsers): the unique script whose src ends in our name.
    pattern = new RegExp('^(?:.*/)?' + C.SCRIPT_NAME.replace(/\./g, '\\.') + '(?:[?#].*)?$');
    scripts = document.getElementsByTagName('script');
    for (i = scripts.length - 1; i >= 0; i--) {
      if (pattern.test(scripts[i].src)) {
        if (url) {
          fail('more than one script element loads ' + C.SCRIPT_NAME);
        }
        url = scripts[i].src;
      }
    }
    return url || fail('no script element loads ' + C.SCRIPT_NAME);
  }

  var scriptUrl = findScriptUrl(),
      plainScriptUrl = scriptUrl.replace(/[?#].*/, ''),
      beaconUrl = plainScriptUrl.substring(0, plainScriptUrl.lastIndexOf('/') + 1) +
                  C.EVENT_SUFFIX + '?',
      hashAt = scriptUrl.indexOf('#'),
      // A page-view id chosen by the page: the raw fragment of the script URL (section 2.13).
      providedPageViewId = hashAt < 0 ? '' : scriptUrl.substring(hashAt + 1),
      isServerPageView = !!providedPageViewId;
  if (providedPageViewId.indexOf('/') >= 0) {
    fail("a page-view id in the script URL may not contain '/'");
  }

  /* ---- Identifiers and cookies (sections 2.9, 2.10, 2.12) ---- */

  // 32 random characters; with only Math.random available they are marked with '!'.
  function randomChars() {
    var bytes, chars = '', i;
    if (secureRandom) {
      crypto.getRandomValues(bytes = new Uint8Array(32));
    } else {
      for (bytes = [], i = 0; i < 32; i++) {
        bytes[i] = Math.random() * 256;
      }
    }
    for (i = 0; i < 32; i++) {
      chars += ALPHABET.charAt(bytes[i] & 63);
    }
    return secureRandom ? chars : chars + '!';
  }

  // The value of the last "name=value" pair of document.cookie, or '' when absent.
  function readCookie(name) {
    var pairs = document.cookie.split(';'), value = '', pair, i;
    for (i = 0; i < pairs.length; i++) {
      pair = pairs[i].replace(/^\s+/, '');
      if (pair.indexOf(name + '=') === 0) {
        value = pair.substring(name.length + 1);
      }
    }
    return value;
  }

  function writeCookie(name, value, maxAgeSeconds, now) {
    document.cookie = name + '=' + value + '; path=/; expires=' +
        new Date(now + 1000 * maxAgeSeconds).toUTCString() + '; max-age=' + maxAgeSeconds +
        (C.COOKIE_DOMAIN ? '; domain=' + C.COOKIE_DOMAIN : '');
  }

  var loadTime = Date.now(),
      partyId = readCookie(C.PARTY_COOKIE_NAME),
      sessionId = readCookie(C.SESSION_COOKIE_NAME),
      isNewParty = !partyId,
      isFirstInSession = !sessionId,
      // The flags sent with events: only the first event of the document carries 't'.
      sendNewParty = isNewParty,
      sendFirstInSession = isFirstInSession;
  if (isNewParty) {
    partyId = '0:' + loadTime.toString(36) + ':' + randomChars();
  }
  if (isFirstInSession) {
    sessionId = '0:' + loadTime.toString(36) + ':' + randomChars();
  }
  var pageViewId = providedPageViewId || '0:' + randomChars(),
      pageViewStarted = false,
      eventCounter = 0;

  /* ---- Checksum (section 2.7): MurmurHash3 x86_32 over UTF-8 ---- */

  // 32-bit multiplication without Math.imul: every partial product stays below 2^53.
  function mul32(a, b) {
    return ((a & 0xffff) * b + ((((a >>> 16) * b) & 0xffff) << 16)) | 0;
  }

  function mixK(k) {
    k = mul32(k, 0xcc9e2d51);
    return mul32((k << 15) | (k >>> 17), 0x1b873593);
  }

  // `bytes` is a string of code units 0..255 (UTF-8 bytes); the result is a signed int32.
  function murmur3(bytes) {
    var n = bytes.length, h = 0, i = 0, k = 0, j = n & 3;
    for (; i + 4 <= n; i += 4) {
      h ^= mixK(bytes.charCodeAt(i) | (bytes.charCodeAt(i + 1) << 8) |
                (bytes.charCodeAt(i + 2) << 16) | (bytes.charCodeAt(i + 3) << 24));
      h = (mul32((h << 13) | (h >>> 19), 5) + 0xe6546b64) | 0;
    }
    while (j--) {
      k = (k << 8) | bytes.charCodeAt(i + j);
    }
    if (n & 3) {
      h ^= mixK(k);
    }
    h ^= n;
    h = mul32(h ^ (h >>> 16), 0x85ebca6b);
    h = mul32(h ^ (h >>> 13), 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  // Checksum of "name=value" pairs (unencoded values; one value per name), as sent in `x`.
  function checksum(pairs) {
    var canonical = '', sorted = pairs.slice().sort(), i;
    for (i = 0; i < sorted.length; i++) {
      canonical += sorted[i] + ',;';
    }
    return murmur3(unescape(encodeURIComponent(canonical))).toString(36);
  }

  /* ---- Custom parameters (section 2.8): mincode ---- */

  function escapeText(text) {
    return text.replace(/[~!]/g, '~$&');
  }

  // One record; `name` is given for object members. Returns undefined for `undefined`.
  function mincode(value, name) {
    var prefix = name === undefined ? '' : escapeText(name) + '!',
        type, exponential, plain, shortest, digits, out, keys, i;
    if (value && typeof value == 'object' && typeof value.toJSON == 'function') {
      value = value.toJSON();
    }
    type = typeof value;
    if (type == 'undefined') {
      return value;
    }
    if (type == 'string') {
      return 's' + prefix + escapeText(value) + '!';
    }
    if (type == 'boolean') {
      return (value ? 't' : 'f') + prefix;
    }
    if (type == 'number' && isFinite(value)) {
      exponential = value.toExponential();
      plain = String(value);
      shortest = exponential.length < plain.length ? exponential : plain;
      // Integers go in base 36 unless a decimal notation is strictly shorter.
      if (value % 1 === 0 && (digits = value.toString(36)).length <= shortest.length) {
        return 'd' + prefix + digits + '!';
      }
      return 'j' + prefix + shortest + '!';
    }
    if (value === null || type == 'number') {
      return 'n' + prefix;
    }
    if (type != 'object') {
      fail('cannot encode a ' + type + ' as an event parameter');
    }
    if (Array.isArray(value)) {
      for (out = 'a' + prefix, i = 0; i < value.length; i++) {
        out += mincode(value[i]) || 'n';
      }
      return out + '.';
    }
    for (out = '(' + prefix, keys = Object.keys(value), i = 0; i < keys.length; i++) {
      out += mincode(value[keys[i]], keys[i]) || '';
    }
    return out + ')';
  }

  /* ---- Delivery (section 4.6): one request at a time, in order ---- */

  var queue = [],
      busy = false;

  // A task is function(done); `done` must be called exactly once.
  function enqueue(task) {
    queue.push(task);
    if (!busy) {
      next();
    }
  }

  function next() {
    var task = queue.shift();
    busy = !!task;
    if (task) {
      task(next);
    }
  }

  function beaconTask(url) {
    return function (done) {
      var image = new Image(1, 1), pending = true, timer;
      function finish() {
        if (pending) {
          pending = false;
          clearTimeout(timer);
          image.onload = image.onerror = null;
          done();
        }
      }
      image.onload = image.onerror = finish;
      // A request that times out keeps running; the queue just moves on.
      timer = setTimeout(finish, C.EVENT_TIMEOUT_SECONDS * 1000);
      image.src = url;
    };
  }

  function whenCommitted(callback, timeoutMs) {
    var pending = true, timer;
    function run() {
      if (pending) {
        pending = false;
        clearTimeout(timer);
        callback();
      }
    }
    // Fast path: nothing in flight, so everything signalled so far is delivered.
    if (!busy) {
      run();
      return;
    }
    if (timeoutMs !== undefined) {
      timer = setTimeout(run, timeoutMs);
    }
    enqueue(function (done) {
      try {
        run();
      } finally {
        done();
      }
    });
  }

  /* ---- Events (sections 4.4 and 4.8) ---- */

  function viewport(dimension) {
    var root = document.documentElement || {}, body = document.body || {};
    return window['inner' + dimension] || root['client' + dimension] ||
        body['client' + dimension] || root['offset' + dimension] || body['offset' + dimension];
  }

  var screenWidth = window.screen.availWidth,
      screenHeight = window.screen.availHeight;

  function signal(type, parameters) {
    if (!type) {
      log('ignoring an event without a type');
      return null;
    }
    if (!pageViewStarted) {
      startPageView();
    }
    var encoded = parameters === undefined ? undefined : mincode(parameters),
        now = Date.now(),
        eventId = pageViewId + (eventCounter++).toString(16),
        names = 'psvecnflrijkwhtu',
        values = [partyId, sessionId, pageViewId, eventId, now,
                  sendNewParty ? 't' : 'f', sendFirstInSession ? 't' : 'f',
                  window.location.href, document.referrer || undefined,
                  screenWidth, screenHeight, window.devicePixelRatio,
                  viewport('Width'), viewport('Height'), type, encoded],
        query = '', pairs = [], value, i;
    for (i = 0; i < values.length; i++) {
      value = values[i];
      if (value !== undefined) {
        value = typeof value == 'number' ? value.toString(36) : String(value);
        pairs.push(names.charAt(i) + '=' + value);
        query += names.charAt(i) + '=' + encodeURIComponent(value) + '&';
      }
    }
    sendNewParty = sendFirstInSession = false;
    writeCookie(C.SESSION_COOKIE_NAME, sessionId, C.SESSION_ID_TIMEOUT_SECONDS, now);
    writeCookie(C.PARTY_COOKIE_NAME, partyId, C.PARTY_ID_TIMEOUT_SECONDS, now);
    log('signal', type, eventId, parameters);
    enqueue(beaconTask(beaconUrl + query + 'x=' + checksum(pairs)));
    return eventId;
  }

  /* ---- Page views (section 4.5) ---- */

  function startPageView() {
    if (!isServerPageView) {
      if (pageViewStarted) {
        pageViewId = '0:' + randomChars();
      }
      eventCounter = 0;
    }
    pageViewStarted = true;
    log('page view', pageViewId);
    if (C.AUTO_PAGE_VIEW_EVENT) {
      signal('pageView');
    }
  }

  var api = {
    partyId: partyId,
    sessionId: sessionId,
    get pageViewId() {
      return pageViewId;
    },
    isNewPartyId: isNewParty,
    isFirstInSession: isFirstInSession,
    isServerPageView: isServerPageView,
    signal: signal,
    whenCommitted: whenCommitted
  };
  Object.freeze(api);

  /*@TEST_HOOK@*/

  if (typeof window.divolte == 'object') {
    log('window.divolte already exists; this copy of the tag does nothing');
    return;
  }
  if (typeof window.define == 'function' && window.define.amd) {
    window.define(function () {
      return api;
    });
  } else if (window.module && window.module.exports) {
    window.module.exports = api;
  } else {
    window.divolte = api;
  }
  log('initialised', api);

  // Prerendering or a background tab: the first page view starts when the page is shown.
  var hidden, visibilityChange, prefixes = ['', 'moz', 'ms', 'webkit'];
  for (var p = 0; p < prefixes.length && !visibilityChange; p++) {
    hidden = prefixes[p] ? prefixes[p] + 'Hidden' : 'hidden';
    if (document[hidden] !== undefined) {
      visibilityChange = prefixes[p] + 'visibilitychange';
    }
  }
  if (visibilityChange && document[hidden]) {
    document.addEventListener(visibilityChange, function onVisible() {
      if (!document[hidden]) {
        document.removeEventListener(visibilityChange, onVisible, false);
        if (!pageViewStarted) {
          startPageView();
        }
      }
    }, false);
  } else {
    startPageView();
  }

  // Back/forward cache: a page shown again after it was hidden is a new page view.
  if ('onpagehide' in window) {
    var wasHidden = false;
    window.addEventListener('pagehide', function () {
      wasHidden = true;
    }, false);
    window.addEventListener('pageshow', function () {
      if (wasHidden) {
        startPageView();
      }
    }, false);
  }
}(window));
