import { gql, type TypedDocumentNode } from '@apollo/client';

/**
 * `socketAuthRenew`: hands an open graphql-ws connection a renewed access token of the same session,
 * so the socket outlives the token it was opened with. Written by hand (not generated) so the client
 * compiles against a server whose schema does not have the field yet; against such a server the
 * call fails, and the client falls back to reconnecting when the socket is closed with 4419.
 */
export interface SocketAuthRenewMutation {
  socketAuthRenew: {
    accessTokenExpiresAt: string | null;
    userErrors: { code: string; message: string }[];
  };
}
export interface SocketAuthRenewMutationVariables {
  t: string;
}

export const SocketAuthRenewDocument: TypedDocumentNode<SocketAuthRenewMutation, SocketAuthRenewMutationVariables> = gql`
  mutation SocketAuthRenew($t: String!) {
    socketAuthRenew(accessToken: $t) {
      accessTokenExpiresAt
      userErrors { code message }
    }
  }
`;
