import { parsePublish, formatPublish } from '../../lib/model/publish';

describe('publish syntax', () => {
  test.each([
    ['8080:80', [{ hostIp: '', hostPort: '8080', containerPort: 80, protocol: 'tcp' }]],
    ['127.0.0.1:8443:443/tcp', [{ hostIp: '127.0.0.1', hostPort: '8443', containerPort: 443, protocol: 'tcp' }]],
    ['[::1]:5353:53/udp', [{ hostIp: '::1', hostPort: '5353', containerPort: 53, protocol: 'udp' }]],
    ['8000-8001:80-81/sctp', [
      { hostIp: '', hostPort: '8000', containerPort: 80, protocol: 'sctp' },
      { hostIp: '', hostPort: '8001', containerPort: 81, protocol: 'sctp' },
    ]],
    ['9000-9010:80', [{ hostIp: '', hostPort: '9000-9010', containerPort: 80, protocol: 'tcp' }]],
    ['80', [{ hostIp: '', hostPort: '', containerPort: 80, protocol: 'tcp' }]],
    ['127.0.0.1::80', [{ hostIp: '127.0.0.1', hostPort: '', containerPort: 80, protocol: 'tcp' }]],
  ])('%s', (text, expected) => {
    expect(parsePublish(text)).toEqual(expected);
  });

  test('the long form, and formatting back', () => {
    const [p] = parsePublish({ hostIp: '::1', hostPort: 5353, containerPort: 53, protocol: 'udp' }) as ReturnType<typeof parsePublish> & object[];
    expect(formatPublish(p as never)).toBe('[::1]:5353:53/udp');
  });

  test.each(['0:80', '80:70000', '90-80:80', 'a:b:c:d'])('%s is refused', (text) => {
    expect(typeof parsePublish(text)).toBe('string');
  });
});
