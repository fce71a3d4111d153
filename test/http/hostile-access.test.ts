/**
 * Hostile-input catalog §7 G (authorization, BOLA, replay) over real HTTPS: another partner's
 * submission is 404 byte for byte like an unknown one (row 83), id probing (84), and Idempotency-Key
 * abuse (91; SPEC §3 idempotency-key-reused, and the README's idempotency-key-invalid).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addPartner } from '../../local/partner-keys.js';
import {
  accessToken,
  DOOR_ONLY,
  expectNothingStored,
  expectRejected,
  expectServerAlive,
  freshBundle,
  type RawHttpResponse,
  sendRaw,
  snapshot,
  submission,
} from '../helpers/hostile.js';
import { startTestStack, type TestStack } from '../helpers/test-stack.js';

const UNKNOWN_ID = '00000000-0000-4000-8000-000000000000';

/** Headers that legitimately differ between two responses. */
const PER_RESPONSE = new Set(['x-request-id', 'date']);
const comparable = (res: RawHttpResponse) => ({
  status: res.status,
  body: res.body.toString('utf8'),
  headers: Object.fromEntries(Object.entries(res.headers).filter(([name]) => !PER_RESPONSE.has(name))),
});

describe('hostile access (catalog G)', () => {
  let t: TestStack;
  let mine: string;
  beforeAll(async () => {
    t = await startTestStack(DOOR_ONLY);
    await addPartner(t.home, t.stack.deps.partners, t.stack.deps.clock, 'other-lab');
    const res = await sendRaw(t, await submission(t, freshBundle()));
    mine = (JSON.parse(res.body.toString('utf8')) as { submissionId: string }).submissionId;
    await accessToken(t, 'other-lab');
  });
  afterAll(async () => {
    await t?.close();
  });

  const statusRequest = async (id: string, partner = 'demo') => ({
    method: 'GET' as const,
    path: `/v1/submissions/${id}`,
    headers: { Authorization: `Bearer ${await accessToken(t, partner)}` },
  });

  it('(control) the owner reads its own submission', async () => {
    const res = await sendRaw(t, await statusRequest(mine));
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ id: mine });
  });

  it("G83: another partner's submission id is 404 not-found, identical to an unknown id, and audited", async () => {
    const theirs = await expectRejected(
      t,
      async () => sendRaw(t, await statusRequest(mine, 'other-lab')),
      404,
      'not-found',
    );
    const unknown = await expectRejected(
      t,
      async () => sendRaw(t, await statusRequest(UNKNOWN_ID, 'other-lab')),
      404,
      'not-found',
    );
    expect(comparable(theirs.res)).toEqual(comparable(unknown.res));
    expect(theirs.audit[0]?.actor).toEqual({ type: 'partner', id: 'other-lab' });
    expect(theirs.res.body.toString('utf8')).not.toContain(mine);
  });

  it('G84: probing sequential and guessable ids is 404 not-found every time', async () => {
    for (const id of [
      '000001',
      '000002',
      '1',
      mine.toUpperCase(),
      mine.replace(/.$/, (c) => (c === '0' ? '1' : '0')),
    ]) {
      await expectRejected(t, async () => sendRaw(t, await statusRequest(id, 'other-lab')), 404, 'not-found');
    }
  });

  it('ids that try to climb out of the partner prefix are 404 not-found', async () => {
    for (const id of [
      encodeURIComponent(`../demo/${mine}`),
      encodeURIComponent(`../../raw/demo/${mine}`),
      `${mine}%00`,
      `%2e%2e%2fdemo%2f${mine}`,
      'x'.repeat(1000),
    ]) {
      await expectRejected(t, async () => sendRaw(t, await statusRequest(id, 'other-lab')), 404, 'not-found');
    }
  });

  it('the status route without a token is 401 unauthenticated with WWW-Authenticate: Bearer', async () => {
    await expectRejected(
      t,
      () => sendRaw(t, { method: 'GET', path: `/v1/submissions/${mine}`, headers: {} }),
      401,
      'unauthenticated',
      { headers: { 'www-authenticate': /^Bearer\b/ } },
    );
  });

  it('G91: an Idempotency-Key reused with other content is 422 idempotency-key-reused and stores nothing new', async () => {
    const first = await sendRaw(
      t,
      await submission(t, freshBundle(), { headers: { 'Idempotency-Key': 'hostile-k1' } }),
    );
    expect(first.status).toBe(202);
    const other = await submission(t, freshBundle(), { headers: { 'Idempotency-Key': 'hostile-k1' } });
    await expectRejected(t, () => sendRaw(t, other), 422, 'idempotency-key-reused');
  });

  it('G91 (control): the same Idempotency-Key with the same content is 200 with the first id, nothing new', async () => {
    const req = await submission(t, freshBundle(), { headers: { 'Idempotency-Key': 'hostile-k2' } });
    const first = await sendRaw(t, req);
    expect(first.status).toBe(202);
    const before = await snapshot(t);
    const again = await sendRaw(t, req);
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body.toString('utf8'))).toMatchObject(
      JSON.parse(first.body.toString('utf8')) as object,
    );
    expect(await t.stack.deps.objects.list('')).toEqual(before.objects);
  });

  it("an Idempotency-Key is the partner's own: another partner using the same key is a new submission", async () => {
    await sendRaw(
      t,
      await submission(t, freshBundle(), { headers: { 'Idempotency-Key': 'hostile-shared' } }),
    );
    const res = await sendRaw(
      t,
      await submission(t, freshBundle(), {
        partner: 'other-lab',
        headers: { 'Idempotency-Key': 'hostile-shared' },
      }),
    );
    expect(res.status).toBe(202);
  });

  it('an Idempotency-Key that is not 1–255 printable characters is 400 idempotency-key-invalid', async () => {
    // SPEC bounds the key (1–255 printable chars) without naming a code; the README's specific
    // idempotency-key-invalid (400) is the answer, and it is checked like every other rejection.
    for (const key of ['k'.repeat(256), 'tab\there', '']) {
      const req = await submission(t, freshBundle(), { headers: { 'Idempotency-Key': key } });
      await expectRejected(t, () => sendRaw(t, req), 400, 'idempotency-key-invalid');
    }
  });

  it('a rejected submission leaves its Idempotency-Key free for the corrected retry', async () => {
    const body = freshBundle();
    const broken = await submission(t, body, {
      headers: {
        'Idempotency-Key': 'hostile-k3',
        'Content-Digest': 'sha-256=:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=:',
      },
    });
    const before = await snapshot(t);
    expect((await sendRaw(t, broken)).status).toBe(400);
    await expectNothingStored(t, before, { code: 'digest-mismatch', audit: 'one' });
    const fixed = await submission(t, body, { headers: { 'Idempotency-Key': 'hostile-k3' } });
    expect((await sendRaw(t, fixed)).status).toBe(202);
  });

  it('still answers discovery after all of the above', async () => {
    await expectServerAlive(t);
  });
});
