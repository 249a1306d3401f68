// A real OpenID provider for the SSO tests (oidc-provider from npm, in-memory adapter).
// Usage: node provider.mjs PORT CONFIG_JSON_FILE
// The config file gives the clients and the test users:
//   {"clients": [{client_id, client_secret, redirect_uris, post_logout_redirect_uris,
//                 token_endpoint_auth_method}],
//    "users": {"login": {"password": "...", "claims": {"name": "...", "id_number": "..."}}}}
// The login page is a minimal custom interaction: POST login + password (+ mfa=1 to assert
// amr ["pwd", "otp"] and acr "urn:integrity:mfa"), then a consent page with one button.
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const port = Number(process.argv[2]);
const cfg = JSON.parse(readFileSync(process.argv[3], 'utf8'));
const issuer = `http://127.0.0.1:${port}`;

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const provider = new Provider(issuer, {
  clients: cfg.clients.map((c) => ({
    grant_types: ['authorization_code'], response_types: ['code'], ...c,
  })),
  async findAccount(ctx, id) {
    const user = cfg.users[id];
    if (!user) return undefined;
    return { accountId: id, async claims() { return { sub: id, preferred_username: id, ...user.claims }; } };
  },
  claims: {
    acr: null, amr: null, auth_time: null, iss: null, sid: null,
    openid: ['sub', 'acr', 'amr', 'auth_time'], profile: ['name', 'preferred_username', 'id_number'],
  },
  acrValues: ['urn:integrity:pwd', 'urn:integrity:mfa'],
  cookies: { keys: ['integrity-test-cookie-key'] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  pkce: { required: () => true },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { Session: 3600, Interaction: 600, Grant: 3600, AccessToken: 600, IdToken: 600, AuthorizationCode: 60 },
});
provider.proxy = false;

async function readForm(req) {
  let body = '';
  for await (const chunk of req) body += chunk;
  return Object.fromEntries(new URLSearchParams(body));
}

provider.use(async (ctx, next) => {
  const m = ctx.path.match(/^\/interaction\/([^/]+)(\/(login|confirm))?$/);
  if (!m) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const { uid, prompt, params } = details;
  const page = (title, body) => {
    ctx.type = 'html';
    ctx.body = `<!doctype html><title>${esc(title)}</title><h1>${esc(title)}</h1>${body}`;
  };
  if (ctx.method === 'GET' && !m[2]) {
    if (prompt.name === 'login') {
      return page('Sign-in', `<form method="post" action="/interaction/${esc(uid)}/login">
        <input name="login"><input name="password" type="password"><input name="mfa" type="checkbox" value="1">
        <button type="submit">Sign-in</button></form>`);
    }
    return page('Authorize', `<p>${esc(params.client_id)} asks for ${esc(params.scope)}</p>
      <form method="post" action="/interaction/${esc(uid)}/confirm"><button type="submit">Continue</button></form>`);
  }
  if (ctx.method === 'POST' && m[3] === 'login') {
    const form = await readForm(ctx.req);
    const user = cfg.users[form.login];
    if (!user || user.password !== form.password) {
      ctx.status = 401;
      return page('Sign-in failed', '<p>wrong login or password</p>');
    }
    const mfa = form.mfa === '1';
    return provider.interactionFinished(ctx.req, ctx.res, {
      login: { accountId: form.login, amr: mfa ? ['pwd', 'otp'] : ['pwd'],
               acr: mfa ? 'urn:integrity:mfa' : 'urn:integrity:pwd' },
    }, { mergeWithLastSubmission: false });
  }
  if (ctx.method === 'POST' && m[3] === 'confirm') {
    const { grantId, session } = details;
    const grant = grantId ? await provider.Grant.find(grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    const id = await grant.save();
    return provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId: id } },
      { mergeWithLastSubmission: true });
  }
  ctx.status = 405;
  return undefined;
});

provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${issuer}\n`);
});
