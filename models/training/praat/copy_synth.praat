# Copy-synthesis of one human recording with Praat (added_engines.copy_synth_praat):
#   psola      pitch-synchronous overlap-add resynthesis with the pitch contour multiplied by `shift`
#   klattgrid  a KlattGrid (formant synthesiser) estimated from the recording, then synthesised
form copy_synth
  sentence infile in.wav
  sentence outfile out.wav
  real shift 1.0
  word method psola
endform
s = Read from file: infile$
if method$ = "psola"
  m = To Manipulation: 0.01, 60, 500
  pt = Extract pitch tier
  Multiply frequencies: 0, 1000, shift
  selectObject: m, pt
  Replace pitch tier
  selectObject: m
  r = Get resynthesis (overlap-add)
else
  selectObject: s
  k = To KlattGrid (simple): 0.005, 5, 5500, 0.025, 50, 60, 600, 100, "yes"
  r = To Sound
endif
Save as WAV file: outfile$
