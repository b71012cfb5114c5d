//! VU0 macro-mode routines behind [`crate::backend::attention_scores_vu0`], [`crate::backend::axpy_vu0`] and
//! [`crate::backend::q8_matvec_vu0`] (EE only).
//!
//! COP2 instructions are `.word`s (LLVM's MIPS assembler has no VU0 mnemonics), each with its mnemonic beside
//! it; the words were produced by GNU as (`mipsel-linux-gnu-as -march=r5900`) and decode back with
//! `mipsel-linux-gnu-objdump -m mips:5900` and `r5900::decode`. The routines use VF1–VF6, ACC and the I register
//! and leave VU0 in macro mode; a program that runs its own VU0 micro code beside the kernels must turn them
//! off ([`crate::R5900Kernels::with_vu0`]). `lqc2`/`sqc2` need 16-byte-aligned addresses, which the callers check.
//!
//! Timing (VU Users Manual §5.4, §7.4): macro results are ready 4 cycles later, ACC has no hazard check, and a
//! macro op right after an `lqc2` waits one cycle; so each pass loads four quads before its two `vmadda`.

use crate::backend::{Quad, ScaleQuad};

core::arch::global_asm!(
    // ps2rs_vu0_attention_scores(scores: *mut f32, q: *const f32, keys: *const f32, quad_pairs: usize (>0),
    //                            stride_bytes: usize, positions: usize (>0), scale: u32 (f32 bits))
    //
    // For each position: ACC = Σ over quads of q·key (4 lanes), then lanes (a, b, c, d) are summed as
    // (a + b) + (c + d) with vmr32 + vadd + vaddz, multiplied by I = scale and stored.
    ".section .text.ps2rs_vu0_attention_scores,\"ax\",@progbits",
    ".globl ps2rs_vu0_attention_scores",
    ".type ps2rs_vu0_attention_scores,@function",
    ".p2align 3",
    "ps2rs_vu0_attention_scores:",
    ".set push",
    ".set noreorder",
    ".set noat",
    "    .word  0x48caa800",            // ctc2    $10, $vi21             I = scale
    "1:",
    "    move   $11, $5",               // q
    "    move   $12, $6",               // this position's key
    "    move   $13, $7",               // quad pairs left
    "    .word  0x4be002fc",            // vsuba.xyzw $ACC, $vf0, $vf0    ACC = 0
    "2:",
    "    .word  0xd9610000",            // lqc2    $vf1, 0($11)
    "    .word  0xd9820000",            // lqc2    $vf2, 0($12)
    "    .word  0xd9630010",            // lqc2    $vf3, 16($11)
    "    .word  0xd9840010",            // lqc2    $vf4, 16($12)
    "    addiu  $13, $13, -1",
    "    addiu  $11, $11, 32",
    "    .word  0x4be20abd",            // vmadda.xyzw $ACC, $vf1, $vf2
    "    addiu  $12, $12, 32",
    "    .word  0x4be41abd",            // vmadda.xyzw $ACC, $vf3, $vf4
    "    bne    $13, $0, 2b",
    "    nop",
    "    .word  0x4be00148",            // vmaddx.xyzw $vf5, $vf0, $vf0x  vf5 = ACC + 0
    "    .word  0x4be62b3d",            // vmr32.xyzw  $vf6, $vf5          (b, c, d, a)
    "    .word  0x4be531a8",            // vadd.xyzw   $vf6, $vf6, $vf5    (a+b, b+c, c+d, d+a)
    "    .word  0x4b063182",            // vaddz.x     $vf6, $vf6, $vf6z   x = (a+b) + (c+d)
    "    .word  0x4b00319e",            // vmuli.x     $vf6, $vf6, $I      x · scale
    "    .word  0x482e3000",            // qmfc2   $14, $vf6
    "    addiu  $9, $9, -1",
    "    sw     $14, 0($4)",
    "    addiu  $4, $4, 4",
    "    addu   $6, $6, $8",
    "    bne    $9, $0, 1b",
    "    nop",
    "    jr     $31",
    "    nop",
    ".set pop",
    ".size ps2rs_vu0_attention_scores, . - ps2rs_vu0_attention_scores",
    "",
    // ps2rs_vu0_axpy(out: *mut f32, a: u32 (f32 bits), x: *const f32, quad_pairs: usize (>0))
    //
    // out += (x · I) per field: the product rounded, then the sum, as the portable `o + a·x`.
    ".section .text.ps2rs_vu0_axpy,\"ax\",@progbits",
    ".globl ps2rs_vu0_axpy",
    ".type ps2rs_vu0_axpy,@function",
    ".p2align 3",
    "ps2rs_vu0_axpy:",
    ".set push",
    ".set noreorder",
    ".set noat",
    "    .word  0x48c5a800",            // ctc2    $5, $vi21              I = a
    "1:",
    "    .word  0xd8c10000",            // lqc2    $vf1, 0($6)
    "    .word  0xd8c20010",            // lqc2    $vf2, 16($6)
    "    .word  0xd8830000",            // lqc2    $vf3, 0($4)
    "    .word  0xd8840010",            // lqc2    $vf4, 16($4)
    "    .word  0x4be0095e",            // vmuli.xyzw $vf5, $vf1, $I
    "    .word  0x4be0119e",            // vmuli.xyzw $vf6, $vf2, $I
    "    addiu  $7, $7, -1",
    "    addiu  $6, $6, 32",
    "    .word  0x4be518e8",            // vadd.xyzw  $vf3, $vf3, $vf5
    "    .word  0x4be62128",            // vadd.xyzw  $vf4, $vf4, $vf6
    "    .word  0xf8830000",            // sqc2    $vf3, 0($4)
    "    .word  0xf8840010",            // sqc2    $vf4, 16($4)
    "    addiu  $4, $4, 32",
    "    bne    $7, $0, 1b",
    "    nop",
    "    jr     $31",
    "    nop",
    ".set pop",
    ".size ps2rs_vu0_axpy, . - ps2rs_vu0_axpy",
    ".text",
);

// ps2rs_vu0_q8_matvec_g32(args: *const Q8Args)
//
// The Q8 product for groups of 32, four groups (a "block") per loop pass. Integer part on MMI: per group, two
// `lq` of the codes and `qfsrv` (SA = the codes' address & 15) give 32 code bytes whatever the row's alignment;
// `pextlb`/`pextub` with $0 put each code in a halfword's high byte (code · 256); four `phmadh` multiply them by
// the activation halfwords and add adjacent pairs, and three `paddw` leave the group's sum in four words. Unlike
// `pmaddh`, `phmadh` does not accumulate in HI/LO, so successive multiplies do not wait for each other. The four
// groups' words are summed across with `pextlw`/`pextuw`/`pcpyld`/`pcpyud`/`paddw` into one quad of four group
// sums, shifted right by 8 (exact: |256·sum| ≤ 32·127·127·256 < 2^31). VU0 part: `qmtc2` + `vitof0` make them
// floats (exact, < 2^24), the block's four weight scales (two `lq` and `qfsrv` with SA = their address & 15)
// times the four activation scales (`lqc2`) give w·x, and `vmadda` adds sum·(w·x) to ACC in the next pass (so
// the conversions' latency is hidden). A row's last 1-3 groups run as a shorter block (the missing sums are
// $0). The four ACC lanes of a row are added as (a+b)+(c+d) while the next row runs (`vmr32`/`vadd` in its
// prologue, `vaddz` and the store in its epilogue; the first row stores into a dummy stack slot), and the last
// row's after the loop. Registers: $1, $2, $3, $24, $25 and $16..$23, $30 (saved) hold quads; VF1..VF6.
// The words are generated by a script (one block per group count, same registers) and assembled by GNU as.
// Reads past a row's codes up to `backend::q8_vu0_overread(groups)` bytes: the caller pads the activations and
// x scales of the last block with zeros, so whatever those bytes hold adds 0.
core::arch::global_asm!(
    ".section .text.ps2rs_vu0_q8_matvec_g32,\"ax\",@progbits",
    ".globl ps2rs_vu0_q8_matvec_g32",
    ".type ps2rs_vu0_q8_matvec_g32,@function",
    ".p2align 3",
    "ps2rs_vu0_q8_matvec_g32:",
    ".set push",
    ".set noreorder",
    ".set noat",
    "    .word  0x27bdffc0",  // addiu sp,sp,-64
    "    .word  0xafb00000",  // sw s0,0(sp)
    "    .word  0xafb10004",  // sw s1,4(sp)
    "    .word  0xafb20008",  // sw s2,8(sp)
    "    .word  0xafb3000c",  // sw s3,12(sp)
    "    .word  0xafb40010",  // sw s4,16(sp)
    "    .word  0xafb50014",  // sw s5,20(sp)
    "    .word  0xafb60018",  // sw s6,24(sp)
    "    .word  0xafb7001c",  // sw s7,28(sp)
    "    .word  0xafbe0020",  // sw s8,32(sp)
    "    .word  0x8c850004",  // lw a1,4(a0)
    "    .word  0x8c870008",  // lw a3,8(a0)
    "    .word  0x8c86000c",  // lw a2,12(a0)
    "    .word  0x8c880010",  // lw t0,16(a0)
    "    .word  0x8c890014",  // lw t1,20(a0)
    "    .word  0x8c8a0018",  // lw t2,24(a0)
    "    .word  0x8c840000",  // lw a0,0(a0)
    "    .word  0xafaa002c",  // sw t2,44(sp)
    "    .word  0x27aa0024",  // addiu t2,sp,36
    "    .word  0x30c20003",  // andi v0,a2,0x3
    "    .word  0xafa20028",  // sw v0,40(sp)
    "    .word  0x00061080",  // sll v0,a2,0x2
    "    .word  0xafa20030",  // sw v0,48(sp)
    "    .word  0x00063082",  // srl a2,a2,0x2
    "    .word  0x00063100",  // sll a2,a2,0x4
    "    .word  0x00c73021",  // addu a2,a2,a3
    "    .word  0x4be0016c",  // vsub.xyzw $vf5xyzw,$vf0xyzw,$vf0xyzw
    "    .word  0x8fa20030",  // lw v0,48(sp)
    "    .word  0x04980000",  // mtsab a0,0
    "    .word  0x00826023",  // subu t4,a0,v0
    "    .word  0x240dfff0",  // li t5,-16
    "    .word  0x4be62b3d",  // vmr32.xyzw $vf6xyzw,$vf5xyzw
    "    .word  0x008d6824",  // and t5,a0,t5
    "    .word  0x00a07025",  // move t6,a1
    "    .word  0x4be002fc",  // vsuba.xyzw $ACCxyzw,$vf0xyzw,$vf0xyzw
    "    .word  0x00e07825",  // move t7,a3
    "    .word  0x4be0006c",  // vsub.xyzw $vf1xyzw,$vf0xyzw,$vf0xyzw
    "    .word  0x79a10000",  // lq at,0(t5)
    "    .word  0x4be000ac",  // vsub.xyzw $vf2xyzw,$vf0xyzw,$vf0xyzw
    "    .word  0x4be531a8",  // vadd.xyzw $vf6xyzw,$vf6xyzw,$vf5xyzw
    "    .word  0x11e60068",  // beq t7,a2,244 <q8vu0+0x244>
    "    .word  0x00000000",  // nop
    "    .word  0x79b10010",  // lq s1,16(t5)
    "    .word  0x79c20000",  // lq v0,0(t6)
    "    .word  0x722196e8",  // qfsrv s2,s1,at
    "    .word  0x79c30010",  // lq v1,16(t6)
    "    .word  0x72408688",  // pextlb s0,s2,zero
    "    .word  0x79a10020",  // lq at,32(t5)
    "    .word  0x7240cea8",  // pextub t9,s2,zero
    "    .word  0x4be20abd",  // vmadda.xyzw $ACCxyzw,$vf1xyzw,$vf2xyzw
    "    .word  0x72028449",  // phmadh s0,s0,v0
    "    .word  0x703196e8",  // qfsrv s2,at,s1
    "    .word  0x79c20020",  // lq v0,32(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c30030",  // lq v1,48(t6)
    "    .word  0x72408e88",  // pextlb s1,s2,zero
    "    .word  0x724096a8",  // pextub s2,s2,zero
    "    .word  0x72228c49",  // phmadh s1,s1,v0
    "    .word  0x72198008",  // paddw s0,s0,t9
    "    .word  0x72439449",  // phmadh s2,s2,v1
    "    .word  0x79b40030",  // lq s4,48(t5)
    "    .word  0x79c20040",  // lq v0,64(t6)
    "    .word  0x7281aee8",  // qfsrv s5,s4,at
    "    .word  0x79c30050",  // lq v1,80(t6)
    "    .word  0x72a09e88",  // pextlb s3,s5,zero
    "    .word  0x79a10040",  // lq at,64(t5)
    "    .word  0x72a0cea8",  // pextub t9,s5,zero
    "    .word  0x72118008",  // paddw s0,s0,s1
    "    .word  0x7212b008",  // paddw s6,s0,s2
    "    .word  0x72629c49",  // phmadh s3,s3,v0
    "    .word  0x7034aee8",  // qfsrv s5,at,s4
    "    .word  0x79c20060",  // lq v0,96(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c30070",  // lq v1,112(t6)
    "    .word  0x72a0a688",  // pextlb s4,s5,zero
    "    .word  0x72a0aea8",  // pextub s5,s5,zero
    "    .word  0x7282a449",  // phmadh s4,s4,v0
    "    .word  0x72799808",  // paddw s3,s3,t9
    "    .word  0x72a3ac49",  // phmadh s5,s5,v1
    "    .word  0x79b10050",  // lq s1,80(t5)
    "    .word  0x79c20080",  // lq v0,128(t6)
    "    .word  0x722196e8",  // qfsrv s2,s1,at
    "    .word  0x79c30090",  // lq v1,144(t6)
    "    .word  0x72408688",  // pextlb s0,s2,zero
    "    .word  0x79a10060",  // lq at,96(t5)
    "    .word  0x7240cea8",  // pextub t9,s2,zero
    "    .word  0x72749808",  // paddw s3,s3,s4
    "    .word  0x7275b808",  // paddw s7,s3,s5
    "    .word  0x72028449",  // phmadh s0,s0,v0
    "    .word  0x703196e8",  // qfsrv s2,at,s1
    "    .word  0x79c200a0",  // lq v0,160(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c300b0",  // lq v1,176(t6)
    "    .word  0x72408e88",  // pextlb s1,s2,zero
    "    .word  0x724096a8",  // pextub s2,s2,zero
    "    .word  0x72228c49",  // phmadh s1,s1,v0
    "    .word  0x72198008",  // paddw s0,s0,t9
    "    .word  0x72439449",  // phmadh s2,s2,v1
    "    .word  0x79b40070",  // lq s4,112(t5)
    "    .word  0x79c200c0",  // lq v0,192(t6)
    "    .word  0x7281aee8",  // qfsrv s5,s4,at
    "    .word  0x79c300d0",  // lq v1,208(t6)
    "    .word  0x72a09e88",  // pextlb s3,s5,zero
    "    .word  0x79a10080",  // lq at,128(t5)
    "    .word  0x72a0cea8",  // pextub t9,s5,zero
    "    .word  0x72118008",  // paddw s0,s0,s1
    "    .word  0x7212f008",  // paddw s8,s0,s2
    "    .word  0x72629c49",  // phmadh s3,s3,v0
    "    .word  0x7034aee8",  // qfsrv s5,at,s4
    "    .word  0x79c200e0",  // lq v0,224(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c300f0",  // lq v1,240(t6)
    "    .word  0x72a0a688",  // pextlb s4,s5,zero
    "    .word  0x72a0aea8",  // pextub s5,s5,zero
    "    .word  0x7282a449",  // phmadh s4,s4,v0
    "    .word  0x72799808",  // paddw s3,s3,t9
    "    .word  0x72a3ac49",  // phmadh s5,s5,v1
    "    .word  0x72f61488",  // pextlw v0,s7,s6
    "    .word  0x72f61ca8",  // pextuw v1,s7,s6
    "    .word  0x72749808",  // paddw s3,s3,s4
    "    .word  0x70431008",  // paddw v0,v0,v1
    "    .word  0x7275c008",  // paddw t8,s3,s5
    "    .word  0x731e1c88",  // pextlw v1,t8,s8
    "    .word  0x731ecca8",  // pextuw t9,t8,s8
    "    .word  0x70791808",  // paddw v1,v1,t9
    "    .word  0x7062cb89",  // pcpyld t9,v1,v0
    "    .word  0x704313a9",  // pcpyud v0,v0,v1
    "    .word  0x70591008",  // paddw v0,v0,t9
    "    .word  0x79900000",  // lq s0,0(t4)
    "    .word  0x79910010",  // lq s1,16(t4)
    "    .word  0x7002123f",  // psraw v0,v0,0x8
    "    .word  0x05980000",  // mtsab t4,0
    "    .word  0x48a20800",  // qmtc2 v0,$vf1
    "    .word  0x723086e8",  // qfsrv s0,s1,s0
    "    .word  0x04980000",  // mtsab a0,0
    "    .word  0x48b01000",  // qmtc2 s0,$vf2
    "    .word  0xd9e30000",  // lqc2 $vf3,0(t7)
    "    .word  0x258c0010",  // addiu t4,t4,16
    "    .word  0x4be1093c",  // vitof0.xyzw $vf1xyzw,$vf1xyzw
    "    .word  0x25ad0080",  // addiu t5,t5,128
    "    .word  0x4be310aa",  // vmul.xyzw $vf2xyzw,$vf2xyzw,$vf3xyzw
    "    .word  0x25ef0010",  // addiu t7,t7,16
    "    .word  0x25ce0100",  // addiu t6,t6,256
    "    .word  0x15e6ff9a",  // bne t7,a2,a8 <q8vu0+0xa8>
    "    .word  0x00000000",  // nop
    "    .word  0x8fa20028",  // lw v0,40(sp)
    "    .word  0x2443fffe",  // addiu v1,v0,-2
    "    .word  0x104000c6",  // beqz v0,568 <q8vu0+0x568>
    "    .word  0x00000000",  // nop
    "    .word  0x04600057",  // bltz v1,3b4 <q8vu0+0x3b4>
    "    .word  0x00000000",  // nop
    "    .word  0x10600083",  // beqz v1,46c <q8vu0+0x46c>
    "    .word  0x00000000",  // nop
    "    .word  0x79b10010",  // lq s1,16(t5)
    "    .word  0x79c20000",  // lq v0,0(t6)
    "    .word  0x722196e8",  // qfsrv s2,s1,at
    "    .word  0x79c30010",  // lq v1,16(t6)
    "    .word  0x72408688",  // pextlb s0,s2,zero
    "    .word  0x79a10020",  // lq at,32(t5)
    "    .word  0x7240cea8",  // pextub t9,s2,zero
    "    .word  0x4be20abd",  // vmadda.xyzw $ACCxyzw,$vf1xyzw,$vf2xyzw
    "    .word  0x72028449",  // phmadh s0,s0,v0
    "    .word  0x703196e8",  // qfsrv s2,at,s1
    "    .word  0x79c20020",  // lq v0,32(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c30030",  // lq v1,48(t6)
    "    .word  0x72408e88",  // pextlb s1,s2,zero
    "    .word  0x724096a8",  // pextub s2,s2,zero
    "    .word  0x72228c49",  // phmadh s1,s1,v0
    "    .word  0x72198008",  // paddw s0,s0,t9
    "    .word  0x72439449",  // phmadh s2,s2,v1
    "    .word  0x79b40030",  // lq s4,48(t5)
    "    .word  0x79c20040",  // lq v0,64(t6)
    "    .word  0x7281aee8",  // qfsrv s5,s4,at
    "    .word  0x79c30050",  // lq v1,80(t6)
    "    .word  0x72a09e88",  // pextlb s3,s5,zero
    "    .word  0x79a10040",  // lq at,64(t5)
    "    .word  0x72a0cea8",  // pextub t9,s5,zero
    "    .word  0x72118008",  // paddw s0,s0,s1
    "    .word  0x7212b008",  // paddw s6,s0,s2
    "    .word  0x72629c49",  // phmadh s3,s3,v0
    "    .word  0x7034aee8",  // qfsrv s5,at,s4
    "    .word  0x79c20060",  // lq v0,96(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c30070",  // lq v1,112(t6)
    "    .word  0x72a0a688",  // pextlb s4,s5,zero
    "    .word  0x72a0aea8",  // pextub s5,s5,zero
    "    .word  0x7282a449",  // phmadh s4,s4,v0
    "    .word  0x72799808",  // paddw s3,s3,t9
    "    .word  0x72a3ac49",  // phmadh s5,s5,v1
    "    .word  0x79b10050",  // lq s1,80(t5)
    "    .word  0x79c20080",  // lq v0,128(t6)
    "    .word  0x722196e8",  // qfsrv s2,s1,at
    "    .word  0x79c30090",  // lq v1,144(t6)
    "    .word  0x72408688",  // pextlb s0,s2,zero
    "    .word  0x79a10060",  // lq at,96(t5)
    "    .word  0x7240cea8",  // pextub t9,s2,zero
    "    .word  0x72749808",  // paddw s3,s3,s4
    "    .word  0x7275b808",  // paddw s7,s3,s5
    "    .word  0x72028449",  // phmadh s0,s0,v0
    "    .word  0x703196e8",  // qfsrv s2,at,s1
    "    .word  0x79c200a0",  // lq v0,160(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c300b0",  // lq v1,176(t6)
    "    .word  0x72408e88",  // pextlb s1,s2,zero
    "    .word  0x724096a8",  // pextub s2,s2,zero
    "    .word  0x72228c49",  // phmadh s1,s1,v0
    "    .word  0x72198008",  // paddw s0,s0,t9
    "    .word  0x72439449",  // phmadh s2,s2,v1
    "    .word  0x72f61488",  // pextlw v0,s7,s6
    "    .word  0x72f61ca8",  // pextuw v1,s7,s6
    "    .word  0x72118008",  // paddw s0,s0,s1
    "    .word  0x70431008",  // paddw v0,v0,v1
    "    .word  0x7212f008",  // paddw s8,s0,s2
    "    .word  0x701e1c88",  // pextlw v1,zero,s8
    "    .word  0x701ecca8",  // pextuw t9,zero,s8
    "    .word  0x70791808",  // paddw v1,v1,t9
    "    .word  0x7062cb89",  // pcpyld t9,v1,v0
    "    .word  0x704313a9",  // pcpyud v0,v0,v1
    "    .word  0x70591008",  // paddw v0,v0,t9
    "    .word  0x79900000",  // lq s0,0(t4)
    "    .word  0x79910010",  // lq s1,16(t4)
    "    .word  0x7002123f",  // psraw v0,v0,0x8
    "    .word  0x05980000",  // mtsab t4,0
    "    .word  0x48a20800",  // qmtc2 v0,$vf1
    "    .word  0x723086e8",  // qfsrv s0,s1,s0
    "    .word  0x04980000",  // mtsab a0,0
    "    .word  0x48b01000",  // qmtc2 s0,$vf2
    "    .word  0xd9e30000",  // lqc2 $vf3,0(t7)
    "    .word  0x258c0010",  // addiu t4,t4,16
    "    .word  0x4be1093c",  // vitof0.xyzw $vf1xyzw,$vf1xyzw
    "    .word  0x25ad0080",  // addiu t5,t5,128
    "    .word  0x4be310aa",  // vmul.xyzw $vf2xyzw,$vf2xyzw,$vf3xyzw
    "    .word  0x25ef0010",  // addiu t7,t7,16
    "    .word  0x25ce0100",  // addiu t6,t6,256
    "    .word  0x1000006e",  // b 568 <q8vu0+0x568>
    "    .word  0x00000000",  // nop
    "    .word  0x79b10010",  // lq s1,16(t5)
    "    .word  0x79c20000",  // lq v0,0(t6)
    "    .word  0x722196e8",  // qfsrv s2,s1,at
    "    .word  0x79c30010",  // lq v1,16(t6)
    "    .word  0x72408688",  // pextlb s0,s2,zero
    "    .word  0x79a10020",  // lq at,32(t5)
    "    .word  0x7240cea8",  // pextub t9,s2,zero
    "    .word  0x4be20abd",  // vmadda.xyzw $ACCxyzw,$vf1xyzw,$vf2xyzw
    "    .word  0x72028449",  // phmadh s0,s0,v0
    "    .word  0x703196e8",  // qfsrv s2,at,s1
    "    .word  0x79c20020",  // lq v0,32(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c30030",  // lq v1,48(t6)
    "    .word  0x72408e88",  // pextlb s1,s2,zero
    "    .word  0x724096a8",  // pextub s2,s2,zero
    "    .word  0x72228c49",  // phmadh s1,s1,v0
    "    .word  0x72198008",  // paddw s0,s0,t9
    "    .word  0x72439449",  // phmadh s2,s2,v1
    "    .word  0x72118008",  // paddw s0,s0,s1
    "    .word  0x7212b008",  // paddw s6,s0,s2
    "    .word  0x70161488",  // pextlw v0,zero,s6
    "    .word  0x70161ca8",  // pextuw v1,zero,s6
    "    .word  0x70431008",  // paddw v0,v0,v1
    "    .word  0x70001c88",  // pextlw v1,zero,zero
    "    .word  0x7000cca8",  // pextuw t9,zero,zero
    "    .word  0x70791808",  // paddw v1,v1,t9
    "    .word  0x7062cb89",  // pcpyld t9,v1,v0
    "    .word  0x704313a9",  // pcpyud v0,v0,v1
    "    .word  0x70591008",  // paddw v0,v0,t9
    "    .word  0x79900000",  // lq s0,0(t4)
    "    .word  0x79910010",  // lq s1,16(t4)
    "    .word  0x7002123f",  // psraw v0,v0,0x8
    "    .word  0x05980000",  // mtsab t4,0
    "    .word  0x48a20800",  // qmtc2 v0,$vf1
    "    .word  0x723086e8",  // qfsrv s0,s1,s0
    "    .word  0x04980000",  // mtsab a0,0
    "    .word  0x48b01000",  // qmtc2 s0,$vf2
    "    .word  0xd9e30000",  // lqc2 $vf3,0(t7)
    "    .word  0x258c0010",  // addiu t4,t4,16
    "    .word  0x4be1093c",  // vitof0.xyzw $vf1xyzw,$vf1xyzw
    "    .word  0x25ad0080",  // addiu t5,t5,128
    "    .word  0x4be310aa",  // vmul.xyzw $vf2xyzw,$vf2xyzw,$vf3xyzw
    "    .word  0x25ef0010",  // addiu t7,t7,16
    "    .word  0x25ce0100",  // addiu t6,t6,256
    "    .word  0x10000040",  // b 568 <q8vu0+0x568>
    "    .word  0x00000000",  // nop
    "    .word  0x79b10010",  // lq s1,16(t5)
    "    .word  0x79c20000",  // lq v0,0(t6)
    "    .word  0x722196e8",  // qfsrv s2,s1,at
    "    .word  0x79c30010",  // lq v1,16(t6)
    "    .word  0x72408688",  // pextlb s0,s2,zero
    "    .word  0x79a10020",  // lq at,32(t5)
    "    .word  0x7240cea8",  // pextub t9,s2,zero
    "    .word  0x4be20abd",  // vmadda.xyzw $ACCxyzw,$vf1xyzw,$vf2xyzw
    "    .word  0x72028449",  // phmadh s0,s0,v0
    "    .word  0x703196e8",  // qfsrv s2,at,s1
    "    .word  0x79c20020",  // lq v0,32(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c30030",  // lq v1,48(t6)
    "    .word  0x72408e88",  // pextlb s1,s2,zero
    "    .word  0x724096a8",  // pextub s2,s2,zero
    "    .word  0x72228c49",  // phmadh s1,s1,v0
    "    .word  0x72198008",  // paddw s0,s0,t9
    "    .word  0x72439449",  // phmadh s2,s2,v1
    "    .word  0x79b40030",  // lq s4,48(t5)
    "    .word  0x79c20040",  // lq v0,64(t6)
    "    .word  0x7281aee8",  // qfsrv s5,s4,at
    "    .word  0x79c30050",  // lq v1,80(t6)
    "    .word  0x72a09e88",  // pextlb s3,s5,zero
    "    .word  0x79a10040",  // lq at,64(t5)
    "    .word  0x72a0cea8",  // pextub t9,s5,zero
    "    .word  0x72118008",  // paddw s0,s0,s1
    "    .word  0x7212b008",  // paddw s6,s0,s2
    "    .word  0x72629c49",  // phmadh s3,s3,v0
    "    .word  0x7034aee8",  // qfsrv s5,at,s4
    "    .word  0x79c20060",  // lq v0,96(t6)
    "    .word  0x7323cc49",  // phmadh t9,t9,v1
    "    .word  0x79c30070",  // lq v1,112(t6)
    "    .word  0x72a0a688",  // pextlb s4,s5,zero
    "    .word  0x72a0aea8",  // pextub s5,s5,zero
    "    .word  0x7282a449",  // phmadh s4,s4,v0
    "    .word  0x72799808",  // paddw s3,s3,t9
    "    .word  0x72a3ac49",  // phmadh s5,s5,v1
    "    .word  0x72749808",  // paddw s3,s3,s4
    "    .word  0x7275b808",  // paddw s7,s3,s5
    "    .word  0x72f61488",  // pextlw v0,s7,s6
    "    .word  0x72f61ca8",  // pextuw v1,s7,s6
    "    .word  0x70431008",  // paddw v0,v0,v1
    "    .word  0x70001c88",  // pextlw v1,zero,zero
    "    .word  0x7000cca8",  // pextuw t9,zero,zero
    "    .word  0x70791808",  // paddw v1,v1,t9
    "    .word  0x7062cb89",  // pcpyld t9,v1,v0
    "    .word  0x704313a9",  // pcpyud v0,v0,v1
    "    .word  0x70591008",  // paddw v0,v0,t9
    "    .word  0x79900000",  // lq s0,0(t4)
    "    .word  0x79910010",  // lq s1,16(t4)
    "    .word  0x7002123f",  // psraw v0,v0,0x8
    "    .word  0x05980000",  // mtsab t4,0
    "    .word  0x48a20800",  // qmtc2 v0,$vf1
    "    .word  0x723086e8",  // qfsrv s0,s1,s0
    "    .word  0x04980000",  // mtsab a0,0
    "    .word  0x48b01000",  // qmtc2 s0,$vf2
    "    .word  0xd9e30000",  // lqc2 $vf3,0(t7)
    "    .word  0x258c0010",  // addiu t4,t4,16
    "    .word  0x4be1093c",  // vitof0.xyzw $vf1xyzw,$vf1xyzw
    "    .word  0x25ad0080",  // addiu t5,t5,128
    "    .word  0x4be310aa",  // vmul.xyzw $vf2xyzw,$vf2xyzw,$vf3xyzw
    "    .word  0x25ef0010",  // addiu t7,t7,16
    "    .word  0x25ce0100",  // addiu t6,t6,256
    "    .word  0x4be20abd",  // vmadda.xyzw $ACCxyzw,$vf1xyzw,$vf2xyzw
    "    .word  0x4b063182",  // vaddz.x $vf6x,$vf6x,$vf6z
    "    .word  0x8fa3002c",  // lw v1,44(sp)
    "    .word  0x4be00148",  // vmaddx.xyzw $vf5xyzw,$vf0xyzw,$vf0x
    "    .word  0x2529ffff",  // addiu t1,t1,-1
    "    .word  0x00882021",  // addu a0,a0,t0
    "    .word  0x24620004",  // addiu v0,v1,4
    "    .word  0xafa2002c",  // sw v0,44(sp)
    "    .word  0x48223000",  // qmfc2 v0,$vf6
    "    .word  0xad420000",  // sw v0,0(t2)
    "    .word  0x00605025",  // move t2,v1
    "    .word  0x1520feb5",  // bnez t1,6c <q8vu0+0x6c>
    "    .word  0x00000000",  // nop
    "    .word  0x4be62b3d",  // vmr32.xyzw $vf6xyzw,$vf5xyzw
    "    .word  0x4be531a8",  // vadd.xyzw $vf6xyzw,$vf6xyzw,$vf5xyzw
    "    .word  0x4b063182",  // vaddz.x $vf6x,$vf6x,$vf6z
    "    .word  0x48223000",  // qmfc2 v0,$vf6
    "    .word  0xad420000",  // sw v0,0(t2)
    "    .word  0x8fb00000",  // lw s0,0(sp)
    "    .word  0x8fb10004",  // lw s1,4(sp)
    "    .word  0x8fb20008",  // lw s2,8(sp)
    "    .word  0x8fb3000c",  // lw s3,12(sp)
    "    .word  0x8fb40010",  // lw s4,16(sp)
    "    .word  0x8fb50014",  // lw s5,20(sp)
    "    .word  0x8fb60018",  // lw s6,24(sp)
    "    .word  0x8fb7001c",  // lw s7,28(sp)
    "    .word  0x8fbe0020",  // lw s8,32(sp)
    "    .word  0x03e00008",  // jr ra
    "    .word  0x27bd0040",  // addiu sp,sp,64
    "    .word  0x00000000",  // nop
    ".set pop",
    ".size ps2rs_vu0_q8_matvec_g32, . - ps2rs_vu0_q8_matvec_g32",
    ".text",
);

/// The arguments of `ps2rs_vu0_q8_matvec_g32`, in the order it loads them.
#[repr(C)]
struct Q8Args {
    codes: *const u8,
    activations: *const Quad,
    x_scales: *const ScaleQuad,
    groups: usize,
    row_stride: usize,
    rows: usize,
    out: *mut f32,
}

unsafe extern "C" {
    fn ps2rs_vu0_q8_matvec_g32(args: *const Q8Args);
    fn ps2rs_vu0_attention_scores(
        scores: *mut f32,
        q: *const f32,
        keys: *const f32,
        quad_pairs: usize,
        stride_bytes: usize,
        positions: usize,
        scale: u32,
    );
    fn ps2rs_vu0_axpy(out: *mut f32, a: u32, x: *const f32, quad_pairs: usize);
}

/// See [`crate::backend::q8_matvec_vu0`]: groups of 32. The caller checked the shapes (every row's scales and
/// codes in `matrix`), the zero padding of `activations` (`16 · blocks` quads) and `x_scales` (`blocks`), and that
/// `q8_vu0_overread(groups)` bytes after the last row's codes are readable.
pub fn q8_matvec_g32(out: &mut [f32], matrix: &[u8], row_stride: usize, activations: &[Quad], x_scales: &[ScaleQuad], groups: usize) {
    let blocks = groups.div_ceil(4);
    debug_assert!(!out.is_empty() && groups > 0 && activations.len() >= 16 * blocks && x_scales.len() >= blocks);
    let args = Q8Args {
        codes: matrix[4 * groups..].as_ptr(),
        activations: activations.as_ptr(),
        x_scales: x_scales.as_ptr(),
        groups,
        row_stride,
        rows: out.len(),
        out: out.as_mut_ptr(),
    };
    // SAFETY: as the caller checked: the routine reads each row's scales and codes (and the readable bytes after
    // the last row), `16 · blocks` activation quads and `blocks` scale quads (16-byte aligned by type), and
    // writes `out.len()` floats.
    unsafe { ps2rs_vu0_q8_matvec_g32(&args) }
}

/// See [`crate::backend::attention_scores_vu0`]; the caller checked [`crate::backend::vu0_fits`] for `q` and the
/// first key, `stride % 4 == 0`, a non-empty `scores` and that every key lies inside `keys`.
pub fn attention_scores(scores: &mut [f32], q: &[f32], keys: &[f32], stride: usize, scale: f32) {
    debug_assert!(!scores.is_empty() && (scores.len() - 1) * stride + q.len() <= keys.len());
    // SAFETY: q and every key row are 16-byte aligned runs of `q.len()` (a positive multiple of 8) floats inside
    // their slices; the routine reads exactly those and writes `scores.len()` floats.
    unsafe {
        ps2rs_vu0_attention_scores(
            scores.as_mut_ptr(),
            q.as_ptr(),
            keys.as_ptr(),
            q.len() / 8,
            4 * stride,
            scores.len(),
            scale.to_bits(),
        )
    }
}

/// See [`crate::backend::axpy_vu0`]; both slices passed [`crate::backend::vu0_fits`] and have the same length.
pub fn axpy(out: &mut [f32], a: f32, x: &[f32]) {
    debug_assert!(out.len() == x.len() && out.len() % 8 == 0 && !out.is_empty());
    // SAFETY: both are 16-byte aligned runs of `out.len()` (a positive multiple of 8) floats; `out` is updated in place.
    unsafe { ps2rs_vu0_axpy(out.as_mut_ptr(), a.to_bits(), x.as_ptr(), out.len() / 8) }
}
