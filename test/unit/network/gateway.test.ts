import { chaincodeErrorCode } from '../../../network/src/gateway';

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
