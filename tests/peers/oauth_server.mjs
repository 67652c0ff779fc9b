// A real OAuth 2 authorization server for the tests (oauth2-mock-server): signs RS256 JWT access
// tokens and publishes its keys (JWKS) and metadata. Prints its issuer URL as the first line of
// stdout and runs until stdin closes.
//
// The token endpoint takes test-only form fields that shape the next token: `audience` (the `aud`
// claim), `expires_in_seconds` (negative: already expired) and `scope`.
import { OAuth2Server } from 'oauth2-mock-server';

const server = new OAuth2Server();
await server.issuer.keys.generate('RS256');
server.service.on('beforeTokenSigning', (token, req) => {
  const body = req.body ?? {};
  const now = Math.floor(Date.now() / 1000);
  if (body.audience) token.payload.aud = body.audience;
  if (body.expires_in_seconds) token.payload.exp = now + Number(body.expires_in_seconds);
  if (body.scope !== undefined) token.payload.scope = body.scope;
});
await server.start(0, '127.0.0.1');
console.log(JSON.stringify({ issuer: server.issuer.url }));
process.stdin.resume();
process.stdin.on('end', async () => {
  await server.stop();
  process.exit(0);
});
