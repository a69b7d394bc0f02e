import type { Accounts, InviteInput } from '../accounts';
import { bearer, type RouteContext, type RouteSpec, signedIn } from '../http';
import { ROLES, type Role } from '@ehr/protocol';
import type { UserStatus } from '../store';
import {
  CodeSent,
  int,
  Invitation,
  InviteRequest,
  Me,
  object,
  oneOf,
  ROLE,
  Session,
  str,
  TotpEnrolment,
  USER_STATUSES,
  UserPage,
  UserSummary,
} from '../schemas';

const CODE = str(6, '^[0-9]{6}$', 6);
const ENROLMENT_CODE = str(64, undefined, 8);
const PASSWORD = str(256);
const username = (ctx: RouteContext) => ctx.params.username ?? '';

/**
 * People: invitations and the member admin's account administration, sign-up, sign-in and
 * sign-out. The routes that check a secret count against `attempts` (per address and in total).
 */
export function accountRoutes(accounts: Accounts, attempts: RouteSpec['limiter']): RouteSpec[] {
  const limiter = attempts ? { limiter: attempts } : {};
  return [
    {
      method: 'post',
      path: '/v1/users',
      operationId: 'inviteUser',
      summary: 'Invite a user',
      tag: 'people',
      roles: ['admin'],
      body: InviteRequest,
      responses: {
        201: {
          description:
            'Registered on the ledger (a patient or practitioner, as the admin) and at the CA; the one-time ' +
            'enrolment code went to the user through the delivery channel, never to the admin',
          schema: Invitation,
        },
      },
      handler: async (ctx) => ({
        status: 201,
        // The body is valid against InviteRequest, whose fields InviteInput names.
        body: await accounts.invite(signedIn(ctx), ctx.body as unknown as InviteInput),
      }),
    },
    {
      method: 'get',
      path: '/v1/users',
      operationId: 'listUsers',
      summary: "List the member's users",
      tag: 'people',
      roles: ['admin'],
      query: object([], {
        pageSize: { ...int(1, 100), description: 'Users per page (default 20)' },
        bookmark: { ...str(200, '^[A-Za-z0-9_-]*$', 0), description: 'Where the previous page ended' },
        status: oneOf(USER_STATUSES),
        role: ROLE,
      }),
      responses: { 200: { description: 'A page of users, in username order', schema: UserPage } },
      handler: ({ query }) =>
        Promise.resolve({
          status: 200,
          body: accounts.listUsers({
            pageSize: (query.pageSize as number | undefined) ?? 20,
            bookmark: query.bookmark as string | undefined,
            status: query.status as UserStatus | undefined,
            role: query.role as Role | undefined,
          }),
        }),
    },
    {
      method: 'post',
      path: '/v1/users/:username/disable',
      operationId: 'disableUser',
      summary: 'Disable a user',
      tag: 'people',
      roles: ['admin'],
      responses: {
        200: {
          description: 'Disabled: cannot sign in; every token the user holds stopped working',
          schema: UserSummary,
        },
      },
      handler: async (ctx) => ({ status: 200, body: await accounts.disable(signedIn(ctx), username(ctx)) }),
    },
    {
      method: 'post',
      path: '/v1/users/:username/enable',
      operationId: 'enableUser',
      summary: 'Enable a user',
      tag: 'people',
      roles: ['admin'],
      responses: {
        200: {
          description: 'Enabled (the status before the disable is back); failed sign-ins cleared, so a lock-out ends',
          schema: UserSummary,
        },
      },
      handler: async (ctx) => ({ status: 200, body: await accounts.enable(signedIn(ctx), username(ctx)) }),
    },
    {
      method: 'post',
      path: '/v1/users/:username/totp-reset',
      operationId: 'resetTotp',
      summary: "Reset a user's authenticator",
      tag: 'people',
      roles: ['admin'],
      responses: {
        200: {
          description:
            'The user is invited again: a new one-time enrolment code, sent to the user (they sign up again with it), ' +
            'tokens withdrawn, failed sign-ins cleared; the Fabric identity is kept',
          schema: CodeSent,
        },
      },
      handler: async (ctx) => ({ status: 200, body: await accounts.resetTotp(signedIn(ctx), username(ctx)) }),
    },
    {
      method: 'post',
      path: '/v1/signup',
      operationId: 'signUp',
      summary: 'Finish sign-up with the enrolment code and a password',
      tag: 'people',
      roles: 'public',
      ...limiter,
      body: object(['username', 'enrolmentCode', 'password'], {
        username: str(64, undefined, 3),
        enrolmentCode: ENROLMENT_CODE,
        password: PASSWORD,
      }),
      responses: { 200: { description: 'The TOTP secret to put into an authenticator', schema: TotpEnrolment } },
      handler: async ({ body }) => ({
        status: 200,
        body: await accounts.signUp(body.username as string, body.enrolmentCode as string, body.password as string),
      }),
    },
    {
      method: 'post',
      path: '/v1/signup/totp',
      operationId: 'confirmTotp',
      summary: 'Confirm the authenticator with its first code',
      tag: 'people',
      roles: 'public',
      ...limiter,
      body: object(['username', 'enrolmentCode', 'code'], {
        username: str(64, undefined, 3),
        enrolmentCode: ENROLMENT_CODE,
        code: CODE,
      }),
      responses: { 204: { description: 'The account is active' } },
      handler: async ({ body }) => {
        await accounts.confirmTotp(body.username as string, body.enrolmentCode as string, body.code as string);
        return { status: 204 };
      },
    },
    {
      method: 'post',
      path: '/v1/sessions',
      operationId: 'signIn',
      summary: 'Sign in with password and TOTP code',
      tag: 'people',
      roles: 'public',
      ...limiter,
      body: object(['username', 'password', 'code'], {
        username: str(64, undefined, 3),
        password: PASSWORD,
        code: CODE,
      }),
      responses: { 201: { description: 'A short-lived bearer token', schema: Session } },
      handler: async ({ body }) => ({
        status: 201,
        body: await accounts.signIn(body.username as string, body.password as string, body.code as string),
      }),
    },
    {
      method: 'delete',
      path: '/v1/sessions/current',
      operationId: 'signOut',
      summary: 'Sign out',
      tag: 'people',
      roles: ROLES,
      responses: { 204: { description: "The token used stops working; the user's other tokens keep working" } },
      handler: async (ctx) => {
        await accounts.signOut(bearer(ctx.req));
        return { status: 204 };
      },
    },
    {
      method: 'get',
      path: '/v1/me',
      operationId: 'whoAmI',
      summary: 'Show the signed-in user',
      tag: 'people',
      roles: ROLES,
      responses: { 200: { description: 'The user, their role and certificate attributes', schema: Me } },
      handler: (ctx) => {
        const { username, role, attrs } = signedIn(ctx);
        return Promise.resolve({ status: 200, body: { username, role, attrs } });
      },
    },
  ];
}
