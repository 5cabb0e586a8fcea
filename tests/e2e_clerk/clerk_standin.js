// STAND-IN for Clerk's hosted clerk-js script, used only by imagegen's browser tests.
// The tests point ClerkProvider's script-URL option (clerkJSUrl) here instead of Clerk's CDN,
// which this machine cannot reach. It exposes the same global (window.Clerk) and the part of
// clerk-js's API that @clerk/clerk-react calls: load, addListener, session.getToken, the
// mount/unmount functions of SignIn, SignUp and UserButton, and signOut. Session tokens come from
// the test's server, which signs them RS256 with a key the test made.
// Localization, as clerk-js does it: load(options) takes options.localization, and clerk-react's
// __unstable__updateProps({options}) (sent when the provider's localization prop changes)
// re-renders the mounted components; a key the localization lacks falls back to clerk-js's
// English (the defaults below are @clerk/localizations 3.37.9's en-US). The form's title is an
// h1, as Clerk's card header is.
(function () {
  var base = new URL(document.currentScript.src).origin;
  var KEY = "clerk_standin_user";
  var listeners = [];
  var statusHandlers = {};
  var lastToken = null; // like clerk-js: the latest token, with its decoded claims
  var localization = {};
  var mounted = []; // [node, kind, props] of each mounted component, to re-render on updates
  var EN = {
    "signIn.start.title": "Sign in to {{applicationName}}",
    "signUp.start.title": "Create your account",
    "formButtonPrimary": "Continue",
    "userButton.action__signOut": "Sign out",
  };
  function text(key) {
    var v = key.split(".").reduce(function (o, k) { return o && o[k]; }, localization);
    return (typeof v === "string" ? v : EN[key]).replace("{{applicationName}}", "imagegen");
  }
  function remember(node, kind, props) {
    mounted = mounted.filter(function (m) { return m[0] !== node; });
    mounted.push([node, kind, props]);
  }
  function render(node, kind, props) {
    if (kind === "user-button") userButton(node); else form(node, kind, props);
  }

  function fetchToken(id) {
    return fetch(base + "/session-token?sub=" + encodeURIComponent(id))
      .then(function (r) { return r.text(); })
      .then(function (raw) {
        var part = raw.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
        lastToken = { jwt: { claims: JSON.parse(atob(part)) },
                      getRawString: function () { return raw; } };
        return raw;
      });
  }

  function user(id) {
    var email = { id: "idn_" + id, emailAddress: id + "@standin.test" };
    return { id: id, primaryEmailAddress: email, primaryEmailAddressId: email.id,
             emailAddresses: [email], fullName: "Stand-in " + id, firstName: "Stand-in",
             imageUrl: "", hasImage: false, organizationMemberships: [] };
  }
  function session() {
    var id = localStorage.getItem(KEY);
    if (!id) return null;
    return {
      id: "sess_" + id, status: "active", user: user(id), actor: null,
      factorVerificationAge: null, lastActiveToken: lastToken,
      checkAuthorization: function () { return true; },
      getToken: function () { return fetchToken(id); },
    };
  }
  function snapshot() {
    var s = session();
    var client = { id: "client_standin", sessions: s ? [s] : [], signedInSessions: s ? [s] : [],
                   activeSessions: s ? [s] : [], lastActiveSessionId: s ? s.id : null };
    clerk.client = client;
    clerk.session = s;
    clerk.user = s ? s.user : null;
    clerk.organization = null;
    return { client: client, session: s, user: clerk.user, organization: null };
  }
  function emit() {
    var p = snapshot();
    listeners.forEach(function (l) { l(p); });
  }
  function form(node, label, props) {
    node.innerHTML = "";
    var box = document.createElement("div");
    box.setAttribute("data-standin", "clerk-" + label);
    var title = document.createElement("h1");
    title.textContent = text(label === "sign-up" ? "signUp.start.title" : "signIn.start.title");
    var field = document.createElement("input");
    field.setAttribute("aria-label", "Stand-in user id");
    field.value = "user_standin";
    var go = document.createElement("button");
    go.textContent = text("formButtonPrimary");
    go.onclick = function () {
      localStorage.setItem(KEY, field.value);
      fetchToken(field.value).then(function () {
        emit();
        var next = props && (props.forceRedirectUrl || props.fallbackRedirectUrl);
        if (next) window.location.assign(next);
      });
    };
    box.appendChild(title);
    box.appendChild(field);
    box.appendChild(go);
    node.appendChild(box);
  }
  function userButton(node) {
    node.innerHTML = "";
    var b = document.createElement("button");
    b.textContent = text("userButton.action__signOut");
    b.setAttribute("data-standin", "clerk-user-button");
    b.onclick = function () { clerk.signOut(); };
    node.appendChild(b);
  }
  function clear(node) {
    if (node) node.innerHTML = "";
    mounted = mounted.filter(function (m) { return m[0] !== node; });
  }

  var clerk = {
    version: "0.0.0-standin", sdkMetadata: { name: "clerk-js-standin", version: "0" },
    loaded: false, status: "loading", instanceType: "development",
    load: function (options) {
      localization = (options && options.localization) || {};
      var id = localStorage.getItem(KEY);
      return (id ? fetchToken(id) : Promise.resolve()).then(function () {
        snapshot(); clerk.loaded = true; clerk.status = "ready";
        (statusHandlers.status || []).forEach(function (h) { h("ready"); });
      });
    },
    addListener: function (l) {
      listeners.push(l);
      if (clerk.loaded) l(snapshot());
      return function () { listeners = listeners.filter(function (x) { return x !== l; }); };
    },
    // clerk-react's getToken waits for the "status" event to say "ready".
    on: function (event, handler, opts) {
      (statusHandlers[event] = statusHandlers[event] || []).push(handler);
      if (opts && opts.notify && event === "status") handler(clerk.status);
    },
    off: function (event, handler) {
      statusHandlers[event] = (statusHandlers[event] || []).filter(function (h) {
        return h !== handler;
      });
    },
    __unstable__updateProps: function (props) {
      if (props && props.options) {
        localization = props.options.localization || {};
        mounted.forEach(function (m) { render(m[0], m[1], m[2]); });
      }
      return Promise.resolve();
    },
    mountSignIn: function (node, props) { remember(node, "sign-in", props); form(node, "sign-in", props); },
    unmountSignIn: clear,
    mountSignUp: function (node, props) { remember(node, "sign-up", props); form(node, "sign-up", props); },
    unmountSignUp: clear,
    mountUserButton: function (node) { remember(node, "user-button"); userButton(node); },
    unmountUserButton: clear,
    signOut: function () {
      localStorage.removeItem(KEY); lastToken = null; emit(); return Promise.resolve();
    },
    setActive: function () { emit(); return Promise.resolve(); },
    openSignIn: function () {}, closeSignIn: function () {},
    openSignUp: function () {}, closeSignUp: function () {},
    telemetry: { record: function () {} },
  };
  window.Clerk = clerk;
})();
