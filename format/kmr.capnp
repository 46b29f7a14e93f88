# kmemrec trace format (.kmr), version 4 (kFormatVersion in
# format/kmr/file_magic.h; docs/trace-format.md is the overview and says
# what a compatible change is).
#
# A .kmr file is a valid zstd stream (zstd -t passes):
#
#   [skippable 0x184D2A50: file magic]      "KMEMREC" + format version
#   [skippable 0x184D2A51: frame header]    before EVERY data frame below
#   [zstd frame: Frame{header}]
#   ( [skippable 0x184D2A51] [zstd frame: Frame{chunk}]
#   | [skippable 0x184D2A51] [zstd frame: Frame{keyframe}]
#   | [skippable 0x184D2A51] [zstd frame: Frame{process}] )*   (version 3)
#   [skippable 0x184D2A52: index]           only when the writer finished
#   [skippable 0x184D2A5E: seek table]      zstd seekable format, v0.1.0
#
# Every zstd frame holds exactly one Cap'n Proto message whose root is Frame,
# written unpacked and carrying the zstd content checksum, so
#
#   zstd -dc trace.kmr | capnp decode format/kmr.capnp Frame
#
# prints the whole trace with stock tools (event columns print as byte
# strings; kmemreplay --events prints them decoded).
#
# The frame header before each data frame is 80 bytes (8-byte skippable frame
# header + 72 bytes, little endian, its own XXH32 checksum) and says what the
# frame holds, its compressed and raw size, the event count, the seq and time
# ranges.  A file cut short (writer killed, no index) is recovered by walking
# these headers up to the last whole frame.  The layout of the binary parts is
# in format/kmr/frame_header.h, format/kmr/file_magic.h and
# format/kmr/seek_table.h.
#
# Limits a reader enforces: a frame's raw size <= 256 MiB, a chunk's event
# count <= 16 M, PTE runs <= 1 M entries, names <= 4096 bytes.
#
# Bump the format version (format/kmr/file_magic.h) on any incompatible
# change; adding fields at the end of a struct is compatible.
#
# Streams (version 3): one file holds several processes (`kmemrec -f`).
# A stream is one process; stream 0 is the process of the Header (the root
# of the recording), others are declared by a Frame{process} before their
# first chunk.  Every chunk and keyframe belongs to one stream (its
# `stream` field and bytes 64..67 of its frame header), and everything
# that was per trace in version 2 is per stream: seq numbers (dense from 1
# per process), event ordinals (Chunk.firstEvent, Keyframe.eventIndex),
# chunk and keyframe numbers, keyframe placement.  So one stream reads
# exactly like a version-2 trace, and a version-2 file is one stream.

@0xac9019d1a8209982;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("kmr::schema");

struct Frame {
  union {
    header @0 :Header;
    chunk @1 :Chunk;
    keyframe @2 :Keyframe;
    process @3 :Process;        # version 3: a stream is declared
  }
}

# The first data frame: who was traced, where, when, how.
struct Header {
  formatVersion @0 :UInt32;
  abiVersion @1 :UInt32;        # KMR_ABI_VERSION of the module that recorded
  kernelRelease @2 :Text;
  host @3 :Text;
  pid @4 :UInt32;               # thread group id of the target
  comm @5 :Text;
  cmdline @6 :List(Text);
  pageSize @7 :UInt32;
  rangeStart @8 :UInt64;        # traced range [rangeStart, rangeEnd)
  rangeEnd @9 :UInt64;
  startMonoNs @10 :UInt64;      # CLOCK_MONOTONIC at recording start; the
                                # origin of relative times (2.5s, 37%)
  startRealNs @11 :UInt64;      # CLOCK_REALTIME at the same instant
  recorderOptions @12 :Text;    # the recorder's options as text
  recorder @13 :Text;           # tool and version that wrote the file
  eventMask @14 :UInt64;        # KMR_MASK_* requested
  pfnsHidden @15 :Bool;         # the recorder lacked CAP_SYS_ADMIN: every
                                # pfn in the trace is 0 (abi.h)
  ppid @16 :UInt32;             # parent of the target (stream 0); 0 =
                                # unknown (files before version 3)
}

# Version 3: one process of the recording, a stream.  Written before the
# stream's first chunk; stream 0 (the Header's target) has none, its
# Process is made from the Header (and listed in Index.streams).
struct Process {
  stream @0 :UInt32;            # 1, 2, ... in the order they appear
  pid @1 :UInt32;               # thread group id as the kernel saw it
  ppid @2 :UInt32;              # 0 = unknown
  parentStream @3 :UInt32 = 0xffffffff;  # the parent's stream; none
                                # (0xffffffff) when the parent was not recorded
  comm @4 :Text;
  cmdline @5 :List(Text);       # empty when unknown
  binary @6 :Text;              # executable path when known ("" otherwise;
                                # later EXEC events say what it ran)
  startMonoNs @7 :UInt64;       # CLOCK_MONOTONIC when it was attached (fork)
}

# A chunk: `count` events in seq order, stored column by column.  Each
# column is a byte string of prefix varints (format/kmr/varint.h: the first
# byte's trailing one-bits say the length; zz = zigzag-encoded signed).
# Delta bases (previous seq/time/vpn/pfn/ip/tid/pte flags) start at zero in
# every chunk, so a chunk decodes on its own.  Per event:
#
#   kinds     1 byte: bits 0-4 enum kmr_kind (KMR_EV_*); bit 5 "compact":
#             a PTE of one 4 KiB entry (no shapes entry), a FAULT or COW by
#             the previous tid (no tids entry); bit 6: seq = previous + 1
#             (no seqs entry); bit 7: non-zero flags (a flags entry)
#   flags     the record's flags (cause, reason, ...), varint, if bit 7
#   seqs      zz(seq - previous seq - 1), unless bit 6
#   times     zz(time_ns - previous time_ns)      (time may step back)
#
# then, by kind (addr = one address: zz(vpn - previous vpn) << 1 | has_off,
# then, if has_off, the low 12 bits as a varint in `offsets`; pfn = zz(pfn -
# previous pfn) in `pfns`, where the zero page (PTE flag ZERO, COW flag
# ZERO's old pfn) has a delta base of its own):
#
#   SNAPSHOT_*  misc: start, end, pid, nr_vmas, nr_ptes
#   VMA_SYNC    misc: start, end, count
#   VMA         misc: zz(seq - sync_seq), start, end - start, pgoff, ino,
#               dev, vm_flags; bytes: name length (varint) + name
#   PTE         addr(vaddr); unless bit 5, shapes: shift, nr; then per
#               entry: pteFlags:
#               entry flags XOR previous entry flags; if PRESENT: pfn, else
#               misc: the raw pfn field
#   PTE_UNMAP   addr(start); misc: end - start
#   COW         addr(vaddr); misc: cow_flags; pfn(old); pfn(new); unless
#               compact, tids: zz(tid - previous)
#   FAULT       addr(vaddr); ips: zz(ip - previous ip); faultFlags; unless
#               compact, tids: zz(tid - previous tid)
#   (30)        version 4: the FAULT of the PTE row just before it (the
#               module's one record per fault): a FAULT event with that
#               PTE's seq and time (no seqs or times entry, bit 6 is not
#               "dense") at an address in its first 4 KiB page (no addrs
#               entry).  Bit 6: an offsets entry, the address's low 12
#               bits (non-zero); else they are 0.  Bit 5: compact as for
#               FAULT.  Bit 7 never (flags 0).  Then ips, faultFlags and
#               tids as for FAULT.  Only right after a PTE row.
#   FORK        misc: child_pid
#   EXEC        bytes: filename length + filename
#   EXIT        misc: zz(exit code)
#   LOST        misc: count, kinds, first_ns, last_ns
#   MEM_WRITE   addr(vaddr); misc: len, writer_pid, mode
#   PAGE_DATA   addr(vaddr); pfn; bytes: length + data
#
# VMA changes are stored as the kernel sends them: a VMA_SYNC window and its
# VMA records (the exact post-state).  The replayer applies a window when its
# last VMA record arrives and derives the user-visible operations (map,
# unmap, protect, move, grow) from the difference; see format/kmr/vma_map.h.
struct Chunk {
  number @0 :UInt32;            # 0, 1, 2 ... in file order (per stream)
  firstEvent @1 :UInt64;        # ordinal of the first event in the trace
                                # (version 3: in its stream)
  count @2 :UInt32;
  kinds @3 :Data;
  flags @4 :Data;
  seqs @5 :Data;
  times @6 :Data;
  addrs @7 :Data;
  offsets @8 :Data;
  pfns @9 :Data;
  pteFlags @10 :Data;
  shapes @11 :Data;
  ips @12 :Data;
  tids @13 :Data;
  faultFlags @14 :Data;
  misc @15 :Data;
  bytes @16 :Data;
  stream @17 :UInt32;           # version 3: the process; 0 before
}

struct Vma {
  start @0 :UInt64;
  end @1 :UInt64;
  pgoff @2 :UInt64;
  ino @3 :UInt64;
  dev @4 :UInt32;
  vmFlags @5 :UInt32;           # KMR_VM_*
  flags @6 :UInt32;             # KMR_VMA_F_*
  name @7 :Text;
}

struct Range {
  start @0 :UInt64;             # virtual page numbers, [start, end)
  end @1 :UInt64;
}

# A VMA window whose VMA records had not all arrived yet.
struct PendingWindow {
  syncSeq @0 :UInt64;
  start @1 :UInt64;
  end @2 :UInt64;
  count @3 :UInt32;
  cause @4 :UInt32;
  time @5 :UInt64;
  vmas @6 :List(Vma);
}

# The full shadow state after `eventIndex` events (a chunk boundary), so
# `--at t` = nearest keyframe + a short replay.  Present pages are runs of
# pages with consecutive pfns and equal flags (a PMD leaf is a run of 512
# pages with the HUGE flag), stored as varint columns:
#   runVpns   first vpn - previous run's end vpn (runs are sorted, disjoint)
#   runPages  pages in the run minus 1
#   runPfns   zz(first pfn - previous run's end pfn)
#   runFlags  KMR_PTE_* flags XOR previous run's flags
struct Keyframe {
  number @0 :UInt32;
  eventIndex @1 :UInt64;        # events applied (next event's ordinal)
  lastSeq @2 :UInt64;
  maxTimeNs @3 :UInt64;         # highest time_ns among applied events
  lastTimeNs @4 :UInt64;        # time_ns of the last applied event
  vmas @5 :List(Vma);
  runCount @6 :UInt64;
  runVpns @7 :Data;
  runPages @8 :Data;
  runPfns @9 :Data;
  runFlags @10 :Data;
  unknownPages @11 :List(Range);
  unknownVmas @12 :List(Range);
  pending @13 :List(PendingWindow);
  exited @14 :Bool;
  exitCode @15 :Int32;
  stream @16 :UInt32;           # version 3: whose state (number, eventIndex
                                # and lastSeq count in that stream); 0 before
}

# The index (uncompressed, inside skippable frame 0x184D2A52 after an
# 24-byte prefix with its own XXH64): where every chunk and keyframe is and
# what the whole trace holds, so the summary and --at need not scan.
struct Index {
  chunks @0 :List(ChunkRef);
  keyframes @1 :List(KeyframeRef);
  totals @2 :Totals;
  endMonoNs @3 :UInt64;         # CLOCK_MONOTONIC when recording stopped:
                                # nothing changed between the last event and
                                # this, so the trace spans to max(last event,
                                # endMonoNs).  0 = unknown (files written
                                # before this field read it as 0; an appended
                                # field is compatible, no version bump).
  lossless @4 :Lossless;        # set only by `kmemrec --lossless` (null:
                                # an ordinary recording, or a file written
                                # before the field; compatible, no bump)
  flight @5 :Flight;            # set only in a file written by `kmemrec
                                # --flight-recorder` (null elsewhere;
                                # compatible, no bump)
  streams @6 :List(StreamEntry);  # version 3: every stream, by id (stream
                                # 0 first).  `totals` above is stream 0's.
}

# Version 3: one stream as the writer finished it, so the summary lists the
# process tree without replaying it.
struct StreamEntry {
  process @0 :Process;
  totals @1 :Totals;
  exited @2 :Bool;              # an EXIT event was written
  exitCode @3 :Int32;           # its exit code (wait status as the kernel
                                # reports it)
  peakPages @4 :UInt64;         # most present pages at any event
  lastExec @5 :Text;            # filename of the last EXEC, "" = none
  frameOffset @6 :UInt64;       # its Frame{process}'s frame header (0 for
  frameSize @7 :UInt32;         # stream 0: none); compressed size
}

# A flight-recorder file: the last part of a longer recording, written when
# something happened.  Its first frame after the header is a keyframe at
# event 0 (the state when the window begins), so it replays on its own.
struct Flight {
  cause @0 :Text;               # "SIGUSR1", "target killed by SIGSEGV",
                                # "target RSS 1.0 GiB >= --trigger-rss",
                                # "target exited", "stopped by SIGINT", ...
  triggerNs @1 :UInt64;         # CLOCK_MONOTONIC of the trigger
  windowStartNs @2 :UInt64;     # the window's first instant (its keyframe)
  limitBytes @3 :UInt64;        # --flight-recorder SIZE
  droppedBytes @4 :UInt64;      # compressed trace discarded before the
                                # window (0: the window is the whole run)
  sequence @5 :UInt32;          # 1, 2, ... with --trigger-repeat; 0 without
}

# How a --lossless recording held its target (KMR_IOC_STATS at its end).
struct Lossless {
  heldNs @0 :UInt64;            # threads of the target waited this long, in
  heldWaits @1 :UInt64;         # this many waits (all threads together)
  lostOther @2 :UInt64;         # records lost that no thread could be held
                                # for (kernel threads on the target's mm,
                                # remote access); Totals.lostRecords has all
}

struct ChunkRef {
  offset @0 :UInt64;            # file offset of the frame header
  compressedSize @1 :UInt32;
  rawSize @2 :UInt32;
  firstEvent @3 :UInt64;
  count @4 :UInt32;
  firstSeq @5 :UInt64;
  lastSeq @6 :UInt64;
  minTimeNs @7 :UInt64;
  maxTimeNs @8 :UInt64;
  stream @9 :UInt32;            # version 3 (0 before)
}

struct KeyframeRef {
  offset @0 :UInt64;
  compressedSize @1 :UInt32;
  rawSize @2 :UInt32;
  eventIndex @3 :UInt64;
  lastSeq @4 :UInt64;
  maxTimeNs @5 :UInt64;
  stream @6 :UInt32;            # version 3 (0 before)
}

struct Totals {
  events @0 :UInt64;
  byKind @1 :List(UInt64);      # indexed by KMR_EV_*
  vmaOps @2 :List(UInt64);      # indexed by kmr::VmaOpKind
  lostRecords @3 :UInt64;       # sum of LOST counts
  firstTimeNs @4 :UInt64;
  lastTimeNs @5 :UInt64;        # time of the last event
  maxTimeNs @6 :UInt64;
  lastSeq @7 :UInt64;
}
