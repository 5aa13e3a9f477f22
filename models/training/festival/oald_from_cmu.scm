;; Stand-in for the CUVOALD lexicon (festlex-oald is non-free, so it is not allowed) for the residual-LPC
;; diphone voices rab_diphone and don_diphone, whose phone set is MRPA: an empty lexicon "oald" in the MRPA
;; phone set whose letter-to-sound method looks each word up in the CMU lexicon (radio phone set, festlex-cmu,
;; main) and maps the phones to MRPA. Loaded before the voice; its setup_oald_lex replaces festival's.
(set! radio_to_mrpa
  '((aa aa) (ae a) (ah uh) (ao oo) (aw au) (ax @) (axr @) (ay ai) (eh e) (er @@) (ey ei) (ih i) (ix i)
    (iy ii) (ow ou) (oy oi) (uh u) (uw uu) (hh h) (hv h) (dx t) (el l) (em m) (en n) (nx n) (pau #)))
(define (radio_phone_to_mrpa p)
  (let ((m (assoc_string p radio_to_mrpa)))
    (if m (cadr m) p)))
(define (cmu_to_mrpa_lts word feats)
  (let ((e nil))
    (lex.select "cmu")
    (set! e (lex.lookup word feats))
    (lex.select "oald")
    (list (car e) (cadr e)
          (mapcar (lambda (syl) (cons (mapcar radio_phone_to_mrpa (car syl)) (cdr syl))) (car (cddr e))))))
(define (setup_oald_lex)
  (setup_cmu_lex)
  (if (not (member_string "oald" (lex.list)))
      (begin
        (lex.create "oald")
        (lex.set.phoneset "mrpa")
        (lex.set.lts.method 'cmu_to_mrpa_lts))))
