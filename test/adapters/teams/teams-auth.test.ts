/**
 * The Teams endpoint with an app id: every request must carry a Bot Framework token. The token
 * is signed by a test RSA key that nock publishes through Bot Framework's OpenID metadata and
 * keys; the bot's own outbound token comes from a nocked Microsoft Entra token endpoint.
 */
import { generateKeyPairSync } from 'node:crypto';
import nock from 'nock';
import { conversationKey } from '../../../src/bot/messages';
import { startApp, type RunningApp } from '../../helpers/server';
import { FakeConnector, nockTokenEndpoint, personalMessage, postActivity, TokenIssuer } from './teams-helpers';

const APP_ID = '3d9f1a52-8c7e-4a8e-9a57-1f2d3c4b5a69';
const issuer = new TokenIssuer();

describe('Teams endpoint with MicrosoftAppId set', () => {
  let running: RunningApp;
  let connector: FakeConnector;
  let tokenRequests: string[];

  beforeEach(async () => {
    issuer.publish();
    tokenRequests = nockTokenEndpoint('outbound-token-for-the-bot').requests;
    connector = new FakeConnector();
    running = await startApp({ env: { MicrosoftAppId: APP_ID, MicrosoftAppPassword: 'test-secret' } });
  });

  afterEach(async () => {
    await running.stop();
    nock.cleanAll();
  });

  /** Nothing was processed: no reply, no typing, nothing in the transcript. */
  async function expectNothingProcessed(conversationId: string): Promise<void> {
    expect(connector.calls).toEqual([]);
    const key = conversationKey({ channel: 'teams', conversationId, user: { id: 'x' } });
    expect(await running.app.storage.readTranscript(key)).toEqual([]);
  }

  it('refuses a request without a token', async () => {
    const res = await postActivity(running.base, personalMessage('help', 'a:no-token'));
    expect(res.status).toBe(401);
    await expectNothingProcessed('a:no-token');
  });

  it('refuses an expired token', async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const token = issuer.sign({ aud: APP_ID, nbf: past - 600, iat: past - 600, exp: past });
    const res = await postActivity(running.base, personalMessage('help', 'a:expired'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    await expectNothingProcessed('a:expired');
  });

  it('refuses a token for another bot (wrong audience)', async () => {
    const token = issuer.sign({ aud: '00000000-1111-2222-3333-444444444444' });
    const res = await postActivity(running.base, personalMessage('help', 'a:audience'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    await expectNothingProcessed('a:audience');
  });

  it('refuses a forged token (right claims and key id, signed by another key)', async () => {
    const { privateKey: forger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = issuer.sign({ aud: APP_ID }, forger);
    const res = await postActivity(running.base, personalMessage('help', 'a:forged'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    await expectNothingProcessed('a:forged');
  });

  it('refuses a token from another issuer', async () => {
    const token = issuer.sign({ aud: APP_ID, iss: 'https://sts.example.com/' });
    const res = await postActivity(running.base, personalMessage('help', 'a:issuer'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    await expectNothingProcessed('a:issuer');
  });

  it('refuses a token whose serviceurl claim is not the activity’s serviceUrl', async () => {
    const token = issuer.sign({ aud: APP_ID, serviceurl: 'https://evil.example.com/' });
    const res = await postActivity(running.base, personalMessage('help', 'a:serviceurl'), { authorization: `Bearer ${token}` });
    expect(res.status).toBe(401);
    await expectNothingProcessed('a:serviceurl');
  });

  it('accepts a valid token and replies with the bearer token from the token endpoint', async () => {
    const token = issuer.sign({ aud: APP_ID });
    const activity = personalMessage('my wifi is not working', 'a:valid');
    const res = await postActivity(running.base, activity, { authorization: `Bearer ${token}` });
    expect(res.status).toBe(200);

    expect(connector.messages.length).toBeGreaterThan(0);
    for (const call of connector.calls) {
      expect(call.authorization).toBe('Bearer outbound-token-for-the-bot');
      expect(call.activityId).toBe(activity.id);
    }
    // The bot asked Entra for a Bot Framework token with its own id and secret.
    expect(tokenRequests.length).toBeGreaterThan(0);
    expect(tokenRequests[0]).toContain(`client_id=${APP_ID}`);
    expect(tokenRequests[0]).toContain('scope=https%3A%2F%2Fapi.botframework.com%2F.default');
  });
});
