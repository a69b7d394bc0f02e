/**
 * All use of the member's Fabric CA (`fabric-ca-client`): registering a new user with the
 * certificate attributes of SPEC §2, and enrolling them once. The private key is generated in
 * memory and handed back; it is never written by the SDK (no key store is configured).
 */
import FabricCAServices from 'fabric-ca-client';
import { User, Utils } from 'fabric-common';

export interface Registration {
  name: string;
  /** `ehr.*` attributes, put into the enrolment certificate. */
  attrs: Record<string, string>;
}

export interface Enrolment {
  certPem: string;
  keyPem: string;
}

/** What the gateway needs from a CA; tests of the HTTP layer use a stand-in. */
export interface CertificateAuthority {
  /** Registers a client identity and returns its one-time enrolment secret. */
  register(registration: Registration): Promise<string>;
  enroll(name: string, secret: string): Promise<Enrolment>;
}

export interface CaOptions {
  url: string;
  caName: string;
  tlsCaCertPem: string;
  /** The member's registrar: allowed to register clients with `ehr.*` attributes. */
  registrar: { name: string; mspId: string; certPem: string; keyPem: string };
}

export function fabricCa(options: CaOptions): CertificateAuthority {
  // A crypto suite without a key store: generated keys stay in memory.
  const ca = new FabricCAServices(
    options.url,
    { trustedRoots: [options.tlsCaCertPem], verify: true },
    options.caName,
    Utils.newCryptoSuite(),
  );
  const { registrar } = options;
  const registrarUser = User.createUser(registrar.name, '', registrar.mspId, registrar.certPem, registrar.keyPem);
  return {
    async register({ name, attrs }) {
      return ca.register(
        {
          enrollmentID: name,
          role: 'client',
          affiliation: '',
          maxEnrollments: 1,
          attrs: Object.entries(attrs).map(([attrName, value]) => ({ name: attrName, value, ecert: true })),
        },
        registrarUser,
      );
    },
    async enroll(name, secret) {
      const enrolment = await ca.enroll({ enrollmentID: name, enrollmentSecret: secret });
      return { certPem: enrolment.certificate, keyPem: enrolment.key.toBytes() };
    },
  };
}
