% Reference scores for qssim's matlab and msssim variants, in GNU Octave with
% octave-image (MATLAB-compatible fspecial, filter2, imfilter).
% It follows the published procedures of the authors' ssim.m (Wang 2009:
% f x f box filter with 'symmetric' edges, every f-th sample,
% f = max(1, round(min(M,N)/256)), then the 11x11 Gaussian SSIM over the
% 'valid' region) and msssim.m (Wang, Simoncelli, Bovik 2003: 5 scales,
% weights [0.0448 0.2856 0.3001 0.2363 0.1333], 2x2 average with 'symmetric'
% edges and every second sample between scales, product pooling).
% Usage: octave-cli -q matlab_ref.m IMAGE REFERENCE L [IMAGE REFERENCE L]...
% Prints, for each pair: f, the ssim.m score and the msssim.m score.
1;
pkg load image

function [mssim, mcs] = valid_ssim(a, b, L)
  w = fspecial('gaussian', 11, 1.5);
  w = w / sum(w(:));
  C1 = (0.01 * L)^2;
  C2 = (0.03 * L)^2;
  mu1 = filter2(w, a, 'valid');
  mu2 = filter2(w, b, 'valid');
  s11 = filter2(w, a .* a, 'valid') - mu1 .* mu1;
  s22 = filter2(w, b .* b, 'valid') - mu2 .* mu2;
  s12 = filter2(w, a .* b, 'valid') - mu1 .* mu2;
  cs = (2 * s12 + C2) ./ (s11 + s22 + C2);
  map = ((2 * mu1 .* mu2 + C1) .* (2 * s12 + C2)) ./ ((mu1 .^ 2 + mu2 .^ 2 + C1) .* (s11 + s22 + C2));
  mssim = mean(map(:));
  mcs = mean(cs(:));
end

function d = box_decimate(a, f)
  d = imfilter(a, ones(f, f) / (f * f), 'symmetric', 'same');
  d = d(1:f:end, 1:f:end);
end

args = argv();
for i = 1:3:numel(args)
  a = double(imread(args{i}));
  b = double(imread(args{i + 1}));
  L = str2double(args{i + 2});
  f = max(1, round(min(size(a)) / 256));
  if f > 1
    [s, ~] = valid_ssim(box_decimate(a, f), box_decimate(b, f), L);
  else
    [s, ~] = valid_ssim(a, b, L);
  end
  weights = [0.0448 0.2856 0.3001 0.2363 0.1333];
  ms = 1;
  for level = 1:5
    [ls, lcs] = valid_ssim(a, b, L);
    if level < 5
      ms = ms * lcs ^ weights(level);
      a = box_decimate(a, 2);
      b = box_decimate(b, 2);
    else
      ms = ms * ls ^ weights(level);
    end
  end
  printf('%d %.17g %.17g\n', f, s, ms);
end
