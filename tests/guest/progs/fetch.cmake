kmr_guest_prog(fetch_check fetch_check.c kcore_rec.c)
