"""Go 1.19 ``math/rand`` output for the seeds TestGcPacer's ``random`` streams use.

``random(amp, seed)`` in mgcpacer_test.go draws from ``rand.New(rand.NewSource(seed))``;
Go's generator needs its 607-word seeding table, so the values are recorded instead of
re-implemented: the first 60 ``Float64()`` results per seed (every TestGcPacer scenario
runs at most 50 cycles and draws one value per cycle), in Go's ``%x`` float format, as
printed by this program under go1.19.8::

    package main

    import (
        "fmt"
        "math/rand"
    )

    func main() {
        for _, seed := range []int64{0x0, 0x1, 0xe, 0xf, 0x53, 0x152} {
            r := rand.New(rand.NewSource(seed))
            fmt.Printf("%#x:", seed)
            for i := 0; i < 60; i++ {
                fmt.Printf(" %x", r.Float64())
            }
            fmt.Println()
        }
    }
"""

from __future__ import annotations

_FLOAT64 = {
    0x0: (
        "0x1.e3f0bfeb0bf65p-01 0x1.f5b0412ffd342p-03 0x1.4fd97fe53dbb2p-01 "
        "0x1.bd2f4aba3ba96p-05 0x1.7868c7dba8597p-02 0x1.286d8f04f53a4p-02 "
        "0x1.8a1d40f855146p-03 0x1.4f87b21788ba2p-01 0x1.cb59d421e1545p-01 "
        "0x1.56bded0d0d3e2p-03 0x1.2782ff4265a7dp-02 0x1.ce2238efe2c72p-01 "
        "0x1.b31666adea17p-01 0x1.179994e2163a9p-02 0x1.37d95be27adecp-01 "
        "0x1.03be66706c7e1p-02 0x1.8c9f7afe05e98p-01 0x1.1e67a17167b3bp-06 "
        "0x1.92fb5b8bb7cd5p-01 0x1.994a217aba8d4p-01 0x1.6cf65c5aba55p-02 "
        "0x1.b46bb0a29d36ap-02 0x1.053e7ba9865cap-01 0x1.ec678fcc3aea6p-03 "
        "0x1.ac72081ac81e1p-03 0x1.62da13a9b337cp-01 0x1.9b8b1f03db02fp-02 "
        "0x1.23a8ee866eecbp-02 0x1.5de6283c00fd7p-01 0x1.c009c1628b667p-02 "
        "0x1.aa0b75bbfdd95p-04 0x1.438d3f2607432p-02 0x1.35d96c1b7b8e1p-03 "
        "0x1.767271f06c96p-01 0x1.41b510b7e2d1p-02 0x1.79516e8e966f8p-02 "
        "0x1.4ba428a2a1d34p-01 0x1.70465576b584fp-02 0x1.15aa19f7580acp-01 "
        "0x1.29a839257f626p-06 0x1.0945453e766c4p-01 0x1.d68813847af44p-04 "
        "0x1.83107e5036571p-01 0x1.348b4daae4307p-01 0x1.b386fd7ca6089p-01 "
        "0x1.56ada0e67484cp-04 0x1.d8ab4cd0e9311p-01 0x1.e20747a3edfd3p-01 "
        "0x1.e27c87f461df7p-02 0x1.ab66f0a5b7c3ep-01 0x1.59010b861ee14p-05 "
        "0x1.a3c3cec3112fdp-01 0x1.b791805410307p-02 0x1.ee299cc10447ep-01 "
        "0x1.0d3278f061917p-05 0x1.97619b1156023p-01 0x1.2b581a6494751p-01 "
        "0x1.b3a62a592e273p-01 0x1.69399725a77bp-05 0x1.08045622f938fp-01 "
    ),
    0x1: (
        "0x1.359608841ff3fp-01 0x1.e18a683d7cfc6p-01 0x1.5441371d9a55dp-01 "
        "0x1.c03825dbda6bep-02 0x1.b2d42c0a4e371p-02 0x1.5fa746183475ap-01 "
        "0x1.0cd9672f22cp-04 0x1.408d2ac22c4d3p-03 0x1.8d2fe9072520fp-04 "
        "0x1.34223d20c4ef6p-02 0x1.07c9f31bce1d7p-01 0x1.a0956abe57a52p-01 "
        "0x1.b6cffa2ba5179p-03 0x1.85caff8c1e239p-02 0x1.45b10ac3e59d7p-02 "
        "0x1.e024a8d52132bp-02 0x1.21d3b45be2706p-02 0x1.2c22e4aea248fp-02 "
        "0x1.5bb0fc94958c8p-01 0x1.bf98be2a9d78dp-03 0x1.a02070f169c11p-03 "
        "0x1.718846d5d8ac3p-02 0x1.242f49a2da39bp-01 0x1.b9987a49d6601p-01 "
        "0x1.2c2623f966faep-02 0x1.3036695abe949p-02 0x1.815140bf175b5p-01 "
        "0x1.a714cf86b83d1p-03 0x1.bb0d30d9d9d33p-01 0x1.64b85fdec1a36p-01 "
        "0x1.0c322cd6ee516p-01 0x1.cfb7bc50aea92p-06 0x1.44419db79420ap-03 "
        "0x1.36e9ec3e76876p-01 0x1.f352de9568978p-01 0x1.4571299f081d9p-04 "
        "0x1.308ac0a4db54p-01 0x1.e450fdfd297b9p-05 0x1.62510bf56b451p-01 "
        "0x1.34c25c97b3a02p-02 0x1.62d968d3f71f9p-03 0x1.150b0a4a44063p-01 "
        "0x1.169b8f2bf32b9p-01 0x1.1d311a1d8c35bp-02 0x1.b14ecf8becf48p-02 "
        "0x1.0fa8ee4e4fe5p-01 0x1.03a01ef7b1d2ep-02 0x1.20d9d720ca3b6p-02 "
        "0x1.93c405fef225fp-01 0x1.727d22c8b4c3ap-02 0x1.c2d68c55c931fp-01 "
        "0x1.303e324ac0f76p-02 0x1.c9e9c7d4895efp-01 0x1.8f2c92ede4d34p-04 "
        "0x1.f42e72a2fa3a6p-01 0x1.304bc22e0726fp-04 0x1.c73fac825417p-03 "
        "0x1.5cb64beb7b5f9p-01 0x1.ee9f7676678e8p-03 0x1.3effbd59227e7p-02 "
    ),
    0xE: (
        "0x1.83a5f67650d5fp-01 0x1.fe6dab71642aap-01 0x1.d7de581db09p-02 "
        "0x1.213ac8a1eb70fp-01 0x1.59ef91025a52cp-03 0x1.8600edc3c501p-01 "
        "0x1.7215c3077e461p-02 0x1.403d00019d1ep-02 0x1.21caa3bce5a7ap-02 "
        "0x1.596f6da2ea596p-01 0x1.a3c546828e23bp-03 0x1.3900568898d88p-03 "
        "0x1.58aa70e977296p-05 0x1.88400292fdeb2p-02 0x1.d97005080f8ebp-03 "
        "0x1.060a2af37ee0ap-01 0x1.6196e47224813p-01 0x1.2981db3a5132fp-02 "
        "0x1.8999f0e2fc3cfp-01 0x1.52d8e728bdcc1p-01 0x1.42a58024c7e2fp-03 "
        "0x1.0591629bc8976p-03 0x1.8325ce6357d4fp-05 0x1.dabf5814fd4cap-01 "
        "0x1.a3e4b2456d7fap-01 0x1.e26b39b47d078p-01 0x1.21582a7b613a2p-01 "
        "0x1.bf887b3c80ef5p-01 0x1.b304e6fa35c11p-03 0x1.a7afd56bbc5fap-01 "
        "0x1.97a7db1b148ep-01 0x1.740bbf6e62af7p-02 0x1.c8598fd20567p-02 "
        "0x1.4610078cf57b2p-03 0x1.2b4941e5c3da5p-04 0x1.659286457ce2ep-05 "
        "0x1.a6b4ab2cf65f9p-01 0x1.1885e81c7e15p-02 0x1.5a9249ba3a65bp-01 "
        "0x1.2e11f5ec08936p-02 0x1.89992e63c4783p-03 0x1.b354bb250a0a7p-03 "
        "0x1.65017bbb9827ep-01 0x1.1dceb0b60532ep-02 0x1.748c50c1ba5aep-01 "
        "0x1.5cf8842405e55p-01 0x1.f8e62dbfa5abcp-01 0x1.7a55cec1d23cp-06 "
        "0x1.90eb1c0a84024p-03 0x1.dce6dc63a61e4p-01 0x1.997a7e0fbab89p-01 "
        "0x1.58d54909eea4cp-02 0x1.6963551a4c618p-01 0x1.7703877ca5caep-02 "
        "0x1.4791dbe098a0dp-02 0x1.6fe888879dc02p-01 0x1.56a51fcdf7e59p-01 "
        "0x1.883b3ff2da2e2p-02 0x1.7d0a56f322f49p-01 0x1.8e52e99abd409p-04 "
    ),
    0xF: (
        "0x1.a153ed5bb4583p-02 0x1.896989a32f7d1p-02 0x1.93cc0103554b4p-04 "
        "0x1.7c84f0a95fcabp-01 0x1.eae5c83a87e3p-02 0x1.0a6df9b4c1d7dp-04 "
        "0x1.20c841da1e82cp-02 0x1.3a8a49833dd0fp-01 0x1.4b116724cdd4ep-01 "
        "0x1.feeff66b67c34p-01 0x1.9f01c3455fc62p-01 0x1.b41e904feb4b2p-01 "
        "0x1.7125dc09d3d67p-03 0x1.6be3f10034c4bp-02 0x1.3395af9f190ebp-01 "
        "0x1.e7ed6fed32bd9p-01 0x1.ad0d344dbf6c1p-01 0x1.3dbbb4db08f4fp-07 "
        "0x1.45814cf9b005ap-01 0x1.185c5fdfa151fp-02 0x1.5a2f1b8c4f765p-01 "
        "0x1.d9b591a3e411ap-01 0x1.627fcd5a55742p-03 0x1.a2c1d12c41eep-02 "
        "0x1.fcabedf07e93ep-01 0x1.a92cc1446cf9ap-01 0x1.a140333e3e09ap-01 "
        "0x1.8c4e012adfae2p-01 0x1.cb7dd56bb161dp-02 0x1.3d2ba27255b82p-03 "
        "0x1.15a90008d29d1p-02 0x1.8b047a763ac6fp-03 0x1.2ff20481c25bcp-02 "
        "0x1.1b2b0390197f3p-03 0x1.5851a42f9de33p-04 0x1.2fd9b5f1b670bp-01 "
        "0x1.964753cd94fd2p-05 0x1.75434e57b1a6ep-01 0x1.23bde0e9313dcp-01 "
        "0x1.8c21db0adf1ccp-01 0x1.1fe973f2ffed5p-02 0x1.5aa53d542e3c5p-02 "
        "0x1.27ff6565ea7a2p-01 0x1.496da073e3d7ep-01 0x1.76029b4896743p-02 "
        "0x1.f50de74ff8943p-01 0x1.5af531e75beb5p-01 0x1.4a2c40aefaa9fp-01 "
        "0x1.5a342b6054af6p-03 0x1.e38bf290be5b1p-01 0x1.a48752e4303b6p-01 "
        "0x1.7f3c4f1ede1d7p-02 0x1.08e228326719dp-01 0x1.ff555a7020ed6p-01 "
        "0x1.4e83e35bc92cap-03 0x1.19cb2e2efd9dp-02 0x1.564b63d8879efp-02 "
        "0x1.5dbb7a92c445ep-01 0x1.5d7dbf09cbcbp-03 0x1.65bb3315bfc09p-02 "
    ),
    0x53: (
        "0x1.ef1d382201123p-03 0x1.46b885cb1fccbp-02 0x1.709f7e4ccb58p-01 "
        "0x1.1558aa6577f05p-01 0x1.55a86bc87897dp-03 0x1.22d7e4c97d57fp-03 "
        "0x1.a103220597183p-01 0x1.6a582bb003a03p-01 0x1.54c3f321e5f4fp-01 "
        "0x1.b9fba719137aap-01 0x1.1427fefec2518p-02 0x1.16995b944e0cap-02 "
        "0x1.1bef0a301af8p-01 0x1.f68148df6ac24p-02 0x1.58039c0879a74p-03 "
        "0x1.ec946c5470557p-01 0x1.ffbff096d80edp-01 0x1.cea2f41941bfap-02 "
        "0x1.e8eb4cc3ad907p-01 0x1.65c3e2c3909dep-01 0x1.06c525a24a68bp-01 "
        "0x1.54f1b5c8a75c9p-02 0x1.24cf3b83dd521p-03 0x1.0d17b021b3618p-01 "
        "0x1.a511fc83d5e06p-07 0x1.ecf8cce4f1977p-01 0x1.a6e909d9dd068p-01 "
        "0x1.81526d2b1de56p-01 0x1.2306bd2ddb689p-01 0x1.7389bdb441f7cp-01 "
        "0x1.ebe9769a23d18p-01 0x1.bfa9d3b44415p-01 0x1.7f1a586165e6ep-02 "
        "0x1.481cbb476e20dp-03 0x1.3a697406d43c2p-05 0x1.8de7f3b0e9cf1p-01 "
        "0x1.8ec1e95873d61p-01 0x1.9f44de4a1d6e1p-01 0x1.3904b57576f51p-01 "
        "0x1.50feb27965acap-03 0x1.719130a5ba579p-01 0x1.ba582a5b2c1dp-02 "
        "0x1.5e3d91898dcbap-02 0x1.e6c1fb06b3624p-01 0x1.f818fc8905465p-02 "
        "0x1.b7e3ffa2336fep-01 0x1.556ed44c1f2b5p-03 0x1.9f2d443284977p-01 "
        "0x1.06d778f6798a3p-02 0x1.2a87d1a32a46ep-03 0x1.60b3ba40159dap-01 "
        "0x1.835fc8694cdfcp-03 0x1.f7365c54e7a65p-01 0x1.ddcbd3e348c98p-03 "
        "0x1.ad603b6391702p-01 0x1.a377bf03430edp-02 0x1.4a3a98918c90ep-01 "
        "0x1.931c576099982p-01 0x1.831f5634cde8dp-04 0x1.e2bc079296a34p-03 "
    ),
    0x152: (
        "0x1.d5f4b957ef59ap-02 0x1.dc62183b5545fp-01 0x1.37217f3b53953p-01 "
        "0x1.43342182d1d9bp-02 0x1.cb77217345f81p-02 0x1.e4765d36a5ca2p-02 "
        "0x1.0cc685a773ce8p-01 0x1.cb1df2efc0ff4p-02 0x1.0ca80c26e361bp-02 "
        "0x1.748c02a9a0b16p-01 0x1.2e729f157d799p-02 0x1.416f9e9fc6ebcp-01 "
        "0x1.e52c9ba9ceb9ep-01 0x1.d04b7c665af7ep-03 0x1.134eef5c41c8cp-01 "
        "0x1.e29260f628ffcp-02 0x1.2e7350f762dcap-02 0x1.9da7d0e3c4ac8p-06 "
        "0x1.21a6042bf681ap-01 0x1.0ae44252d8a43p-04 0x1.95be42ae48e1cp-03 "
        "0x1.ddfe09639bc6fp-01 0x1.ce2ca49d89fbep-01 0x1.a4e6e2e61c575p-03 "
        "0x1.05c3004619e88p-03 0x1.ce0902366ba61p-01 0x1.1af18ce8e6d2p-01 "
        "0x1.cc59f29273a0ep-03 0x1.a59a3bf0e7944p-02 0x1.c712db88bc6c6p-01 "
        "0x1.3413248ceb777p-02 0x1.134f25848d47dp-02 0x1.b31b41ebb25d3p-01 "
        "0x1.7bbf1e7f5d382p-01 0x1.8fc2655779494p-03 0x1.48a6243f32e32p-02 "
        "0x1.71e3b5abaf85cp-01 0x1.d08fc01a11a13p-01 0x1.4cb570a2245f2p-02 "
        "0x1.151459e5dc779p-01 0x1.c8e730cee2fe1p-01 0x1.5e75ba1b82c15p-01 "
        "0x1.03f2d7eb0f1d5p-03 0x1.4632900814614p-04 0x1.db7079c4fe071p-01 "
        "0x1.0334d15d01dbdp-01 0x1.022ab8ee694f8p-02 0x1.4d967e61b50e8p-01 "
        "0x1.f27da4e38c3d2p-01 0x1.427db2bf2616ep-01 0x1.3c758bfead05cp-12 "
        "0x1.2ba28678c88e5p-03 0x1.a0cb4839f21f6p-01 0x1.21b188e3b6e84p-04 "
        "0x1.e10d97ad5cb39p-01 0x1.6ae722ab03e6p-02 0x1.3f9fc77e271e1p-02 "
        "0x1.823e7c5654671p-04 0x1.1a2544d06307bp-01 0x1.323cbfbd08299p-01 "
    ),
}


def go_float64s(seed: int) -> list[float]:
    """The first 60 values of Go's ``rand.New(rand.NewSource(seed)).Float64()``."""
    return [float.fromhex(v) for v in _FLOAT64[seed].split()]
