/** Storage of refresh tokens: only hashes are kept; a login starts a family, each refresh adds one token to it. */
export interface RefreshTokenRecord {
  id: string;
  familyId: string;
  userId: string;
  expiresAt: Date;
  familyExpiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export interface NewRefreshToken {
  id: string;
  familyId: string;
  userId: string;
  tokenHash: Buffer;
  expiresAt: Date;
  familyExpiresAt: Date;
}

export interface RefreshTokenStore {
  insert(token: NewRefreshToken): Promise<void>;
  findByHash(tokenHash: Buffer): Promise<RefreshTokenRecord | undefined>;
  /**
   * Marks a live token used and stores its successor, atomically: false (and nothing stored) when the token was
   * used, revoked or expired meanwhile, so two requests racing with one token cannot both rotate it.
   */
  rotate(usedId: string, successor: NewRefreshToken): Promise<boolean>;
  /** Revokes every token of a family that is not revoked yet; returns how many. */
  revokeFamily(familyId: string): Promise<number>;
  /** Removes a user's tokens whose family has expired (housekeeping at login). */
  deleteExpired(userId: string): Promise<number>;
}
