#!/usr/bin/env python3
# Generates ps2rs_vu0_q8_matvec_g32 (src/vu0.rs) in GNU as syntax: see the routine's comment there.
#
#   python3 asm/q8_vu0_g32.py > /tmp/q8.s
#   mipsel-linux-gnu-as -march=r5900 /tmp/q8.s -o /tmp/q8.o
#   mipsel-linux-gnu-objdump -d -m mips:5900 /tmp/q8.o    # the words and mnemonics pasted into src/vu0.rs
L=[]
def e(s): L.append("    "+s)
def lab(s): L.append(s+":")
Q="$1"; A0="$2"; A1="$3"; H1="$25"
SETS=[("$16","$17","$18"),("$19","$20","$21")]
S=["$22","$23","$30","$24"]
SAVED=["$16","$17","$18","$19","$20","$21","$22","$23","$30"]
# stack: 0..35 saved regs, 36 dummy output, 40 remainder groups, 44 next output pointer, 48 scale bytes
FRAME=64
def head(g,X):
    H0,C1,W=X
    return [f"lq {C1}, {32*g+16}($13)", f"lq {A0}, {64*g}($14)", f"qfsrv {W}, {C1}, {Q}", f"lq {A1}, {64*g+16}($14)",
            f"pextlb {H0}, {W}, $0", f"lq {Q}, {32*g+32}($13)", f"pextub {H1}, {W}, $0"]
def body(g,X):
    H0,C1,W=X
    return [f"phmadh {H0}, {H0}, {A0}", f"qfsrv {W}, {Q}, {C1}", f"lq {A0}, {64*g+32}($14)", f"phmadh {H1}, {H1}, {A1}",
            f"lq {A1}, {64*g+48}($14)", f"pextlb {C1}, {W}, $0", f"pextub {W}, {W}, $0", f"phmadh {C1}, {C1}, {A0}",
            f"paddw {H0}, {H0}, {H1}", f"phmadh {W}, {W}, {A1}"]
def tail(g,X):
    H0,C1,W=X
    return [f"paddw {H0}, {H0}, {C1}", f"paddw {S[g]}, {H0}, {W}"]
def block(n, vmadda_first=True):
    """n groups (1..4) of a block; sums of missing groups are $0."""
    s=[x if i<n else "$0" for i,x in enumerate(S)]
    for g in range(n):
        X=SETS[g%2]
        for x in head(g,X): e(x)
        if g==0:
            if vmadda_first: e("vmadda.xyzw $ACC, $vf1, $vf2")
        else:
            for x in tail(g-1,SETS[(g-1)%2]): e(x)
        for x in body(g,X): e(x)
    last=tail(n-1,SETS[(n-1)%2])
    if n <= 2:
        # The last group's sum is an operand of the first transposition step: complete it first.
        e(last[0]); e(last[1])
    e(f"pextlw {A0}, {s[1]}, {s[0]}")
    e(f"pextuw {A1}, {s[1]}, {s[0]}")
    if n > 2: e(last[0])
    e(f"paddw {A0}, {A0}, {A1}")
    if n > 2: e(last[1])
    e(f"pextlw {A1}, {s[3]}, {s[2]}")
    e(f"pextuw {H1}, {s[3]}, {s[2]}")
    e(f"paddw {A1}, {A1}, {H1}")
    e(f"pcpyld {H1}, {A1}, {A0}")
    e(f"pcpyud {A0}, {A0}, {A1}")
    e(f"paddw {A0}, {A0}, {H1}")
    e("lq $16, 0($12)")
    e("lq $17, 16($12)")
    e(f"psraw {A0}, {A0}, 8")
    e("mtsab $12, 0")
    e(f"qmtc2 {A0}, $vf1")
    e("qfsrv $16, $17, $16")
    e("mtsab $4, 0")
    e("qmtc2 $16, $vf2")
    e("lqc2 $vf3, 0($15)")
    e("addiu $12, $12, 16")
    e("vitof0.xyzw $vf1, $vf1")
    e("addiu $13, $13, 128")
    e("vmul.xyzw $vf2, $vf2, $vf3")
    e("addiu $15, $15, 16")
    e("addiu $14, $14, 256")

lab("q8vu0")
e(f"addiu $sp, $sp, -{FRAME}")
for k,r in enumerate(SAVED): e(f"sw {r}, {4*k}($sp)")
e("lw $5, 4($4)")    # activations
e("lw $7, 8($4)")    # x scales (quads)
e("lw $6, 12($4)")   # groups
e("lw $8, 16($4)")   # row stride
e("lw $9, 20($4)")   # rows
e("lw $10, 24($4)")  # out
e("lw $4, 0($4)")    # first row's codes
e("sw $10, 44($sp)") # next output pointer: out[0]
e("addiu $10, $sp, 36") # the store pointer starts at a dummy slot (row -1)
e("andi $2, $6, 3")
e("sw $2, 40($sp)")  # groups in the partial last block
e("sll $2, $6, 2")
e("sw $2, 48($sp)")  # scale bytes of a row
e("srl $6, $6, 2")   # full blocks
e("sll $6, $6, 4")
e("addu $6, $6, $7") # end of the full blocks' x scales
e("vsub.xyzw $vf5, $vf0, $vf0")
lab("0")             # row loop
e("lw $2, 48($sp)")
e("mtsab $4, 0")
e("subu $12, $4, $2")
e("addiu $13, $0, -16")
e("vmr32.xyzw $vf6, $vf5")          # the previous row's lanes (b, c, d, a)
e("and $13, $4, $13")
e("move $14, $5")
e("vsuba.xyzw $ACC, $vf0, $vf0")
e("move $15, $7")
e("vsub.xyzw $vf1, $vf0, $vf0")
e("lq $1, 0($13)")
e("vsub.xyzw $vf2, $vf0, $vf0")
e("vadd.xyzw $vf6, $vf6, $vf5")     # (a+b, b+c, c+d, d+a)
e("beq $15, $6, 2f")
e("nop")
lab("1")
block(4)
e("bne $15, $6, 1b")
e("nop")
lab("2")
e("lw $2, 40($sp)")
e("addiu $3, $2, -2")
e("beq $2, $0, 8f")
e("nop")
e("bltz $3, 5f")     # 1
e("nop")
e("beq $3, $0, 6f")  # 2
e("nop")
block(3)            # 3
e("b 8f")
e("nop")
lab("5")
block(1)
e("b 8f")
e("nop")
lab("6")
block(2)
lab("8")            # row end
e("vmadda.xyzw $ACC, $vf1, $vf2")
e("vaddz.x $vf6, $vf6, $vf6z")     # previous row: x = (a+b) + (c+d)
e("lw $3, 44($sp)")
e("vmaddx.xyzw $vf5, $vf0, $vf0x") # this row's lanes: vf5 = ACC
e("addiu $9, $9, -1")
e("addu $4, $4, $8")
e("addiu $2, $3, 4")
e("sw $2, 44($sp)")
e("qmfc2 $2, $vf6")
e("sw $2, 0($10)")                 # out[row - 1] (the dummy slot for row 0)
e("move $10, $3")
e("bne $9, $0, 0b")
e("nop")
# the last row's lanes
e("vmr32.xyzw $vf6, $vf5")
e("vadd.xyzw $vf6, $vf6, $vf5")
e("vaddz.x $vf6, $vf6, $vf6z")
e("qmfc2 $2, $vf6")
e("sw $2, 0($10)")
for k,r in enumerate(SAVED): e(f"lw {r}, {4*k}($sp)")
e("jr $31")
e(f"addiu $sp, $sp, {FRAME}")
print(".set noreorder\n.set noat\n"+"\n".join(L))
