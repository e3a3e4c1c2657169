// A fake browser for the tag: runs divolte.js in a fresh V8 context with a tiny window,
// document, cookie jar and Image, then runs test steps and reports what the tag did.
//
// Input (JSON on stdin):
//   script      the tag source to run
//   env         optional: href, referrer, scriptSrc (null: no currentScript), scripts (srcs
//               for the fallback scan), cookie (initial "a=b; c=d"), screen [w, h],
//               inner [w, h], dpr, hidden, now (ms), randomBytes (consumed first),
//               noCrypto, imageMode ('load' | 'error' | 'never'), preset (JS run first)
//   steps       JS snippets run in the context one after the other; between steps pending
//               timers are allowed to fire.  A step may also be {"wait": ms}.
// Helpers available to steps: __setNow(ms), __fire(target, type), __record(value),
// __imageMode(mode), and `window`/`document` as usual.
// Output (JSON on stdout): images (beacon URLs in request order), cookies (strings written
// to document.cookie), records, errors ([step name, message]: 'preset', 'tag', 'step<i>'),
// jar (final cookies).
'use strict';
const vm = require('vm');

function main(input) {
  const env = input.env || {};
  const out = {images: [], cookies: [], records: [], errors: [], jar: {}};
  let now = env.now === undefined ? 1600000000000 : env.now;
  let imageMode = env.imageMode || 'load';
  const randomBytes = (env.randomBytes || []).slice();
  const jar = {};
  (env.cookie || '').split(';').forEach((pair) => {
    pair = pair.trim();
    if (pair) jar[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
  });

  function makeTarget(obj) {
    const listeners = {};
    obj.addEventListener = (type, fn) => { (listeners[type] = listeners[type] || []).push(fn); };
    obj.removeEventListener = (type, fn) => {
      listeners[type] = (listeners[type] || []).filter((f) => f !== fn);
    };
    obj.__dispatch = (type, event) => {
      (listeners[type] || []).slice().forEach((fn) => fn.call(obj, event || {type}));
    };
    return obj;
  }

  const scriptElements = (env.scripts || []).map((src) => ({src}));
  const inner = env.inner || [1280, 720];
  const document = makeTarget({
    referrer: env.referrer || '',
    currentScript: env.scriptSrc === null ? null : {src: env.scriptSrc || 'http://localhost/divolte.js'},
    getElementsByTagName: (name) => (name === 'script' ? scriptElements : []),
    documentElement: {clientWidth: inner[0], clientHeight: inner[1]},
    body: {clientWidth: inner[0], clientHeight: inner[1]},
    hidden: !!env.hidden,
  });
  Object.defineProperty(document, 'cookie', {
    configurable: true,
    get: () => Object.keys(jar).map((k) => k + '=' + jar[k]).join('; '),
    set: (text) => {
      out.cookies.push(text);
      const first = text.split(';')[0];
      const maxAge = /max-age=(-?\d+)/.exec(text);
      const name = first.slice(0, first.indexOf('='));
      if (maxAge && Number(maxAge[1]) <= 0) delete jar[name];
      else jar[name] = first.slice(first.indexOf('=') + 1);
    },
  });

  const timers = new Set();
  function Image() {
    const img = this;
    Object.defineProperty(img, 'src', {
      set: (url) => {
        out.images.push(url);
        if (imageMode === 'never') return;
        const handle = setTimeout(() => {
          timers.delete(handle);
          const handler = imageMode === 'error' ? img.onerror : img.onload;
          if (handler) handler.call(img, {type: imageMode});
        }, 1);
        timers.add(handle);
      },
    });
  }

  const window = makeTarget({
    document,
    location: {href: env.href || 'http://localhost/page.html'},
    screen: {availWidth: (env.screen || [1920, 1040])[0], availHeight: (env.screen || [1920, 1040])[1]},
    innerWidth: inner[0],
    innerHeight: inner[1],
    Image,
    setTimeout, clearTimeout,
    onpagehide: null,
    console: {log: (...args) => out.records.push(['log'].concat(args.map(String)))},
  });
  if (env.dpr !== undefined) window.devicePixelRatio = env.dpr;
  if (!env.noCrypto) {
    window.crypto = {
      getRandomValues: (array) => {
        for (let i = 0; i < array.length; i++) {
          array[i] = randomBytes.length ? randomBytes.shift() : Math.floor(Math.random() * 256);
        }
        return array;
      },
    };
  }
  window.window = window;
  window.__setNow = (ms) => { now = ms; };
  window.__fire = (target, type, event) => target.__dispatch(type, event);
  window.__record = (value) => out.records.push(value);
  window.__imageMode = (mode) => { imageMode = mode; };
  const context = vm.createContext(window);
  vm.runInContext('Date.now = function () { return __now(); };', context);
  window.__now = () => now;

  const steps = [{js: env.preset || '', name: 'preset'}, {js: input.script, name: 'tag'}].concat(
    (input.steps || []).map((s, i) => (typeof s === 'string' ? {js: s, name: 'step' + i} : s)));
  let index = 0;
  function runStep() {
    if (index >= steps.length) {
      // Let the last images finish, then report.
      setTimeout(() => {
        Object.assign(out.jar, jar);
        process.stdout.write(JSON.stringify(out));
      }, 20);
      return;
    }
    const step = steps[index++];
    if (step.wait !== undefined) {
      setTimeout(runStep, step.wait);
      return;
    }
    try {
      vm.runInContext(step.js, context, {filename: step.name || 'step' + (index - 2)});
    } catch (e) {
      out.errors.push([step.name, String((e && e.message) || e)]);
    }
    setTimeout(runStep, 5);
  }
  runStep();
}

let data = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { data += chunk; });
process.stdin.on('end', () => main(JSON.parse(data)));
