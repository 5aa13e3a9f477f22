export interface UserRecord {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: Date;
}

export interface UserRepository {
  /** Throws EmailTakenError when the (case-insensitive) address is registered. */
  create(user: { id: string; email: string; passwordHash: string }): Promise<UserRecord>;
  findByEmail(email: string): Promise<UserRecord | undefined>;
}
