# lbr-emu-phase.test: checks a ground truth's sample count against
# (instructions + ph) / period; prints what differs.
$1 == "T" {
  want = int(($3 + ph) / $5)
  if (want == $4) print "samples = (instructions + phase) / period"
  else print "samples " $4 ", want " want " = (" $3 " + " ph ") / " $5
}
