"""The four position-dependent symmetric convolution kernels of spec.md as numba loops.

Each kernel computes equation (1) of spec.md: a same-size, zero-boundary cross-correlation of
the complex plane with the *conjugated* operator chosen per output point by `op_index`. The
loops are the point (the course compares loop structures), so they stay loops; only the cache
method rearranges memory. Every kernel returns the number of operator reloads it did (a reload
happens whenever the operator index changes along its own loop order, spec §1).

Method 1 works on complex64 arrays directly (numba's complex type vectorised its contiguous
rows best). Method 2 reads split re/im planes plus a left-right mirrored copy, so all its
streams run forwards. Method 3 reads the F[j][i] half of its octant fold along the rows of a
transposed copy of the padded plane instead of down columns, and its -j partners backwards
(mirrored copies as in method 2 measured slower: two more planes to build and keep in cache);
it indexes flat complex64 planes with unsigned offsets, because its triangle rows are short
(1..h) and a row slice per stream cost more than the arithmetic. The cache method keeps its own
buffers split into re/im planes, so its one long inner loop is unit-stride in every stream.
"""

from __future__ import annotations

import numpy as np
from numba import njit


@njit(cache=True, fastmath=True, nogil=True)
def simple(data, quarters, op_index, out):  # pragma: no cover - compiled
    """Method 1: clipped window, full operator expanded from the quarter on each reload."""
    ny, nx = data.shape
    hy, hx = quarters.shape[1], quarters.shape[2]
    oply, oplx = 2 * hy - 1, 2 * hx - 1
    full = np.zeros((oply, oplx), np.complex64)
    current = -1
    reloads = 0
    for y in range(ny):
        for x in range(nx):
            k = op_index[y, x]
            if k != current:
                for a in range(oply):
                    for b in range(oplx):
                        full[a, b] = np.conj(quarters[k, abs(a - hy + 1), abs(b - hx + 1)])
                current = k
                reloads += 1
            i0 = max(y - hy + 1, 0)
            i1 = min(y + hy, ny)
            j0 = max(x - hx + 1, 0)
            j1 = min(x + hx, nx)
            ky = i0 - (y - hy + 1)
            kx0 = j0 - (x - hx + 1)
            n = j1 - j0
            acc = np.complex64(0.0)
            for i in range(i0, i1):
                drow = data[i, j0:j1]  # row slices: no negative-index wraparound in the loop
                orow = full[ky, kx0:kx0 + n]
                for j in range(n):
                    acc += drow[j] * orow[j]
                ky += 1
            out[y, x] = acc
    return reloads


@njit(cache=True, fastmath=True, nogil=True, boundscheck=False)
def symmetric2d(pad_re, pad_im, mir_re, mir_im, quarters, op_index, out):  # pragma: no cover - compiled
    """Method 2: fold the four mirrored samples per quarter coefficient, then one complex MAC
    each. The left partners P[r][cx-kx] are read forwards from a mirrored copy of the padded
    plane (mir[r][j] = pad[r][lenx-1-j]), and re/im are separate planes, so each of the hy inner
    loops is hx long over eight unit-stride streams and vectorises. Rows/columns ky = 0, kx = 0
    are folded twice (and the centre four times) and the operator is pre-scaled by 1/2, 1/4 to
    match, as in method 4: no branches in the loop. y outer, x inner as in the original."""
    ny, nx = out.shape[0], out.shape[1]
    n_ops, hy, hx = quarters.shape[0], quarters.shape[1], quarters.shape[2]
    lenx = pad_re.shape[1]
    qsr = np.empty((n_ops, hy, hx), np.float32)
    qsi = np.empty((n_ops, hy, hx), np.float32)
    for k in range(n_ops):  # the production table's pre-scaled form (spec §6.2), made once
        for ky in range(hy):
            for kx in range(hx):
                s = np.float32(1.0)
                if ky == 0:
                    s *= np.float32(0.5)
                if kx == 0:
                    s *= np.float32(0.5)
                qsr[k, ky, kx] = s * quarters[k, ky, kx, 0]
                qsi[k, ky, kx] = s * quarters[k, ky, kx, 1]
    current = -1
    reloads = 0
    for y in range(ny):
        cy = y + hy - 1
        for x in range(nx):
            k = op_index[y, x]
            if k != current:  # a reload is a switch to another pre-scaled table entry
                current = k
                reloads += 1
            cx = x + hx - 1
            cm = lenx - 1 - cx
            re = np.float32(0.0)
            im = np.float32(0.0)
            for ky in range(hy):
                up = cy - ky
                dn = cy + ky
                a_r = pad_re[up, cx:cx + hx]
                a_i = pad_im[up, cx:cx + hx]
                b_r = mir_re[up, cm:cm + hx]
                b_i = mir_im[up, cm:cm + hx]
                c_r = pad_re[dn, cx:cx + hx]
                c_i = pad_im[dn, cx:cx + hx]
                d_r = mir_re[dn, cm:cm + hx]
                d_i = mir_im[dn, cm:cm + hx]
                q_r = qsr[k, ky]
                q_i = qsi[k, ky]
                for kx in range(hx):
                    fr = a_r[kx] + b_r[kx] + c_r[kx] + d_r[kx]
                    fi = a_i[kx] + b_i[kx] + c_i[kx] + d_i[kx]
                    re += fr * q_r[kx] + fi * q_i[kx]
                    im += fi * q_r[kx] - fr * q_i[kx]
            out[y, x, 0] = re
            out[y, x, 1] = im
    return reloads


@njit(cache=True, fastmath=True, nogil=True, boundscheck=False)
def circle(pad, pad_t, quarters, op_index, out):  # pragma: no cover - compiled
    """Method 3: octant fold G[i][j] of the (up to) eight samples at lags (+-i, +-j), (+-j, +-i)
    and one complex MAC per triangle coefficient j <= i: h(h+1)/2 multiplies per point (needs
    hx == hy and q[i][j] == q[j][i]). y outer, x inner as in methods 1 and 2.

    Triangle row i reads, over j = 0..i, rows cy +- i of the padded plane around column cx
    (the F[i][j] half) and rows cx +- i of its transpose `pad_t` around column cy (the F[j][i]
    half, unit-stride instead of a column read); each row forwards for +j and backwards for -j.
    The eight terms hold every distinct sample once for 0 < j < i, twice on the axis j = 0 and
    the diagonal j = i, and the centre eight times, so the packed conjugated triangle is
    pre-scaled by 1, 1/2, 1/8 once per table entry and the inner loop has no branches. The
    planes are flat and indexed with unsigned offsets: a row slice per stream (or a signed
    index, which numba wraps) cost more than the short triangle rows themselves."""
    ny, nx = out.shape[0], out.shape[1]
    n_ops, h = quarters.shape[0], quarters.shape[1]
    u = np.uint64
    one = u(1)
    n8 = u(h * (h + 1) // 2)
    qs = np.empty(n_ops * (h * (h + 1) // 2), np.complex64)
    m = 0
    for k in range(n_ops):  # the pre-scaled packed triangle, made once per table entry
        for i in range(h):
            for j in range(i + 1):
                s = np.float32(1.0)
                if i == 0:
                    s = np.float32(0.125)
                elif j == 0 or j == i:
                    s = np.float32(0.5)
                qs[m] = s * np.conj(quarters[k, i, j])
                m += 1
    leny, lenx = u(pad.shape[0]), u(pad.shape[1])
    p = pad.ravel()
    t = pad_t.ravel()
    current = -1
    reloads = 0
    for y in range(ny):
        cy = u(y + h - 1)
        for x in range(nx):
            k = op_index[y, x]
            if k != current:  # a reload is a switch to another pre-scaled table entry
                current = k
                reloads += 1
            cx = u(x + h - 1)
            qb = u(k) * n8
            down = cy * lenx + cx  # P[cy + i][cx], P[cy - i][cx]
            up = down
            right = cx * leny + cy  # P[cy][cx + i], P[cy][cx - i], as rows of pad_t
            left = right
            acc = np.complex64(0.0)
            n = one
            for _ in range(h):
                for j in range(n):
                    g = (((p[down + j] + p[down - j]) + (p[up + j] + p[up - j]))
                         + ((t[right + j] + t[right - j]) + (t[left + j] + t[left - j])))
                    acc += g * qs[qb + j]
                qb += n
                n += one
                down += lenx
                up -= lenx
                right += leny
                left -= leny
            out[y, x] = acc
    return reloads


@njit(cache=True, fastmath=True, nogil=True)
def cache(pad_re, pad_im, quarters, op_index, out):  # pragma: no cover - compiled
    """Method 4: x outer, y inner. Per column, the x-fold of every padded row goes into T3
    (row stride hx) and, rows reversed, into T4; each output is then one unit-stride loop of
    length hx*hy over T3, T4 and the pre-scaled quarter (spec §5)."""
    ny, nx = out.shape[0], out.shape[1]
    hy, hx = quarters.shape[1], quarters.shape[2]
    leny = pad_re.shape[0]
    q = hy * hx
    t3r = np.empty(leny * hx, np.float32)
    t3i = np.empty(leny * hx, np.float32)
    t4r = np.empty(leny * hx, np.float32)
    t4i = np.empty(leny * hx, np.float32)
    qsr = np.empty(q, np.float32)
    qsi = np.empty(q, np.float32)
    current = -1
    reloads = 0
    for x in range(nx):
        cx = x + hx - 1
        for r in range(leny):  # x-fold: centre counted twice (kx = 0), made up by the 1/2 scale
            base3 = r * hx
            base4 = (leny - 1 - r) * hx
            for kx in range(hx):
                vr = pad_re[r, cx + kx] + pad_re[r, cx - kx]
                vi = pad_im[r, cx + kx] + pad_im[r, cx - kx]
                t3r[base3 + kx] = vr
                t3i[base3 + kx] = vi
                t4r[base4 + kx] = vr
                t4i[base4 + kx] = vi
        for y in range(ny):
            k = op_index[y, x]
            if k != current:  # reload: pre-scale centre x 1/4, axes x 1/2
                for ky in range(hy):
                    for kx in range(hx):
                        s = np.float32(1.0)
                        if ky == 0:
                            s *= np.float32(0.5)
                        if kx == 0:
                            s *= np.float32(0.5)
                        qsr[ky * hx + kx] = s * quarters[k, ky, kx, 0]
                        qsi[ky * hx + kx] = s * quarters[k, ky, kx, 1]
                current = k
                reloads += 1
            cy = y + hy - 1
            a = cy * hx
            b = (leny - 1 - cy) * hx
            # slices: unit-stride views without negative-index wraparound, so LLVM vectorises
            u3r = t3r[a:a + q]
            u3i = t3i[a:a + q]
            u4r = t4r[b:b + q]
            u4i = t4i[b:b + q]
            re = np.float32(0.0)
            im = np.float32(0.0)
            for m in range(q):
                sr = u3r[m] + u4r[m]
                si = u3i[m] + u4i[m]
                re += sr * qsr[m] + si * qsi[m]
                im += si * qsr[m] - sr * qsi[m]
            out[y, x, 0] = re
            out[y, x, 1] = im
    return reloads
