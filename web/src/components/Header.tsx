import { Link } from './Link';

export function Header({ email, onLogout }: { email?: string; onLogout?: () => void }) {
  return (
    <header className="top">
      <Link href="/" className="brand">
        RealTone
      </Link>
      {onLogout && (
        <div className="who">
          {email && <span className="email">{email}</span>}
          <button type="button" className="secondary" onClick={onLogout}>
            Log out
          </button>
        </div>
      )}
    </header>
  );
}
