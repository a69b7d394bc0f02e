import express from 'express';
import request from 'supertest';
import { ApiError, chaincodeErrorCode, errorMiddleware, toApiError } from '../../../gateway-api/src/errors';
import { loadConfig } from '../../../gateway-api/src/config';

describe('chaincode error codes from gateway errors', () => {
  it('reads the stable code from the endorsement details', () => {
    const error = Object.assign(new Error('10 ABORTED: failed to endorse transaction'), {
      details: [
        {
          address: '127.0.0.1:7101',
          mspId: 'HospitalAMSP',
          message: 'chaincode response 500, CONSENT_REQUIRED: no lawful basis',
        },
      ],
    });
    expect(chaincodeErrorCode(error)).toBe('CONSENT_REQUIRED');
  });

  it('reads a code that starts the message', () => {
    expect(chaincodeErrorCode({ details: [{ message: 'NOT_FOUND: patient PAT-1 is not registered' }] })).toBe(
      'NOT_FOUND',
    );
  });

  it('finds no code in errors that did not come from the chaincode', () => {
    expect(chaincodeErrorCode(new Error('14 UNAVAILABLE: connection refused'))).toBeUndefined();
    expect(chaincodeErrorCode({ details: [{ message: 'access denied' }] })).toBeUndefined();
    expect(chaincodeErrorCode(undefined)).toBeUndefined();
  });
});

describe('error mapping', () => {
  const endorseError = (message: string) =>
    Object.assign(new Error('10 ABORTED'), { details: [{ message }], transactionId: 'tx1' });

  it.each([
    ['INVALID_ARGUMENT', 400],
    ['CONSENT_REQUIRED', 403],
    ['NOT_FOUND', 404],
    ['CONFLICT', 409],
    ['HASH_MISMATCH', 422],
  ])('maps the chaincode code %s to HTTP %i with its message and the transaction id', (code, status) => {
    const error = toApiError(endorseError(`chaincode response 500, ${code}: the reason`));
    expect(error).toMatchObject({ status, code, message: 'the reason', txId: 'tx1' });
  });

  it('maps network failures to 503 and 504, anything else to a 500 that reveals nothing', () => {
    expect(
      toApiError(Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7101'), { code: 14 })),
    ).toMatchObject({ status: 503 });
    expect(toApiError(Object.assign(new Error('deadline'), { code: 4 }))).toMatchObject({
      status: 504,
      code: 'TIMEOUT',
    });
    expect(toApiError(new Error('secret internals at /opt/x'))).toMatchObject({
      status: 500,
      message: 'internal error',
    });
  });

  it('tells the client when to retry every 503: an unreachable node, an unknown outcome, a wrong peer', async () => {
    const app = express();
    app.get('/down', () => {
      throw Object.assign(new Error('14 UNAVAILABLE: connect ECONNREFUSED 127.0.0.1:7101'), { code: 14 });
    });
    app.get('/unknown', () => {
      throw new ApiError(503, 'OUTCOME_UNKNOWN', 'not known yet', 'tx1');
    });
    app.get('/wrong-peer', () => {
      throw Object.assign(new Error('10 ABORTED'), { details: [{ message: 'WRONG_PEER: ask the custodian' }] });
    });
    app.get('/behind', () => {
      throw new ApiError(503, 'LEDGER_BEHIND', 'behind', undefined, { retryAfterSeconds: 3 });
    });
    app.get('/no-endorsers', () => {
      // What a peer's Gateway answers while its discovery, just restarted, knows too few peers.
      throw Object.assign(new Error('9 FAILED_PRECONDITION: no peer combination can satisfy the endorsement policy'), {
        code: 9,
      });
    });
    app.get('/endorsers-down', () => {
      // What a peer's Gateway answers when the other members' endorsing peers are restarting.
      throw Object.assign(new Error('10 ABORTED: failed to collect enough transaction endorsements'), {
        code: 10,
        details: [
          { message: 'rpc error: code = Unavailable desc = closing transport due to: connection error' },
          { message: 'error in simulation: failed to execute transaction 8c9e: could not launch chaincode ehr_1.0' },
        ],
      });
    });
    app.get('/endorsement-refused', () => {
      throw Object.assign(new Error('10 ABORTED'), {
        code: 10,
        details: [{ message: 'some other endorsement failure' }],
      });
    });
    app.get('/timeout', () => {
      throw Object.assign(new Error('deadline'), { code: 4 });
    });
    app.use(errorMiddleware(() => undefined));
    for (const route of ['/down', '/unknown', '/wrong-peer', '/no-endorsers', '/endorsers-down']) {
      const res = await request(app).get(route).expect(503);
      expect(res.headers['retry-after']).toBe('1');
    }
    expect((await request(app).get('/behind').expect(503)).headers['retry-after']).toBe('3');
    expect((await request(app).get('/timeout').expect(504)).headers['retry-after']).toBeUndefined();
    // An endorsement failure of another kind stays an internal error, not a retry loop.
    await request(app).get('/endorsement-refused').expect(500);
  });

  it('answers in the one JSON shape, including for malformed and oversized bodies', async () => {
    const logged: unknown[] = [];
    const app = express();
    app.use(express.json({ limit: 100 }));
    app.post('/fail', () => {
      throw new ApiError(422, 'RULE', 'no');
    });
    app.get('/boom', () => {
      throw new Error('password=hunter2');
    });
    app.use(errorMiddleware((entry) => logged.push(entry)));
    await request(app)
      .post('/fail')
      .send({})
      .expect(422, { error: { code: 'RULE', message: 'no' } });
    await request(app)
      .post('/fail')
      .set('content-type', 'application/json')
      .send('{oops')
      .expect(400, { error: { code: 'MALFORMED_JSON', message: 'the request body is not valid JSON' } });
    await request(app)
      .post('/fail')
      .send({ big: 'x'.repeat(200) })
      .expect(413);
    const res = await request(app).get('/boom').expect(500);
    expect(res.body).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
    expect(JSON.stringify(logged)).not.toContain('hunter2');
  });
});

describe('gateway configuration', () => {
  const valid = {
    EHR_GATEWAY_PORT: '7110',
    EHR_GATEWAY_ORG: 'hospital-a',
    EHR_GATEWAY_DATA_DIR: '/tmp/gw',
    EHR_GATEWAY_KEY_ENCRYPTION_KEY: Buffer.alloc(32, 1).toString('base64'),
    EHR_GATEWAY_TOKEN_SECRET: Buffer.alloc(48, 2).toString('base64'),
  };

  it('reads a valid environment with defaults', () => {
    expect(loadConfig(valid, '/repo')).toMatchObject({
      port: 7110,
      org: 'hospital-a',
      host: '127.0.0.1',
      tokenTtlSeconds: 900,
      networkJson: '/repo/organizations/network.json',
    });
  });

  it('names every problem, never a secret value', () => {
    const env = {
      ...valid,
      EHR_GATEWAY_PORT: 'http',
      EHR_GATEWAY_KEY_ENCRYPTION_KEY: 'c2hvcnQ=',
      EHR_GATEWAY_TOKEN_SECRET: undefined,
    };
    let message = '';
    try {
      loadConfig(env);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('EHR_GATEWAY_PORT must be an integer');
    expect(message).toContain('EHR_GATEWAY_KEY_ENCRYPTION_KEY must decode from base64 to 32 bytes');
    expect(message).toContain('EHR_GATEWAY_TOKEN_SECRET must be set');
    expect(message).not.toContain('c2hvcnQ=');
  });
});
